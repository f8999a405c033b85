package dev.gatehouse.appliance.acme;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import org.junit.jupiter.api.Test;

class DirectoryChoiceTest {

    private static final URI PRIMARY = URI.create("https://ca-one.example/dir");
    private static final URI FALLBACK = URI.create("https://ca-two.example:14000/dir");

    @Test
    void switchesToTheFallbackAfterNFailuresInARowAndBackAfterNMore() {
        DirectoryChoice c = new DirectoryChoice(PRIMARY, FALLBACK, 3);
        assertThat(c.failed("x")).isFalse();
        assertThat(c.failed("x")).isFalse();
        c.succeeded();
        assertThat(c.failed("x")).isFalse();
        assertThat(c.failed("x")).isFalse();
        assertThat(c.current()).isEqualTo(PRIMARY);
        assertThat(c.failed("x")).isTrue();
        assertThat(c.current()).isEqualTo(FALLBACK);
        c.failed("y");
        c.failed("y");
        assertThat(c.failed("y")).isTrue();
        assertThat(c.current()).isEqualTo(PRIMARY);
    }

    @Test
    void withoutAFallbackStaysOnThePrimary() {
        DirectoryChoice c = new DirectoryChoice(PRIMARY, null, 1);
        assertThat(c.failed("x")).isFalse();
        assertThat(c.current()).isEqualTo(PRIMARY);
    }

    @Test
    void tellsOrdersOfTheOtherCaApart() throws Exception {
        DirectoryChoice c = new DirectoryChoice(PRIMARY, FALLBACK, 1);
        assertThat(c.sameCa(new URL("https://ca-one.example/order/1"))).isTrue();
        assertThat(c.sameCa(new URL("https://ca-one.example:443/order/1"))).isTrue();
        assertThat(c.sameCa(new URL("https://ca-two.example:14000/order/1"))).isFalse();
        assertThat(c.sameCa(null)).isFalse();
        c.failed("x");
        assertThat(c.sameCa(new URL("https://ca-two.example:14000/order/1"))).isTrue();
    }
}
