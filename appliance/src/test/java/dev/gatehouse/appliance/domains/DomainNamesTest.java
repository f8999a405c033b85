package dev.gatehouse.appliance.domains;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.appliance.core.ServiceException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DomainNamesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "App.Example.COM.,  app.example.com",
        "shop.tenant-a.co.uk, shop.tenant-a.co.uk",
        "example.co.uk,     example.co.uk",
        "me.github.io,      me.github.io",
    })
    void acceptsNamesBelowAPublicSuffix(String raw, String normalized) throws Exception {
        assertThat(DomainNames.issuable(raw)).isEqualTo(normalized);
        assertThat(DomainNames.claimable(raw)).isEqualTo(normalized);
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource({
        "co.uk,          public-suffix",
        "com,            public-suffix",
        "github.io,      public-suffix",
        "localhost,      public-suffix",
        "printer.corp,   public-suffix",
        "*.example.com,  wildcard-not-supported",
        "'a..b.com',     invalid-field",
        "'',             invalid-field",
    })
    void refusesPublicSuffixesUnknownSuffixesWildcardsAndJunkForOrders(String raw, String type) {
        assertThatThrownBy(() -> DomainNames.issuable(raw)).isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.type()).isEqualTo(type);
            assertThat(e.kind()).isEqualTo(ServiceException.Kind.INVALID);
            assertThat(e.field()).isEqualTo("name");
        });
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "*.Shop.Example.COM., *.shop.example.com, ",
        "*.tenant-a.co.uk,    *.tenant-a.co.uk,   ",
        "*.co.uk,             ,                   public-suffix",
        "*.com,               ,                   public-suffix",
        "*.tenant-b.test,     ,                   public-suffix",
        "'*.a..b.com',        ,                   invalid-field",
    })
    void wildcardsMayBeOrderedOnlyWhenDns01IsConfigured(String raw, String normalized, String type) throws Exception {
        if (type == null) {
            assertThat(DomainNames.issuable(raw, true)).isEqualTo(normalized);
        } else {
            assertThatThrownBy(() -> DomainNames.issuable(raw, true)).isInstanceOfSatisfying(ServiceException.class,
                    e -> assertThat(e.type()).isEqualTo(type));
        }
        assertThatThrownBy(() -> DomainNames.issuable(raw, false)).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.type()).isEqualTo("wildcard-not-supported"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "*.Example.COM.,      *.example.com",
        "*.shop.co.uk,        *.shop.co.uk",
        "*.me.github.io,      *.me.github.io",
        "demo.tenant-a.test,  demo.tenant-a.test",
        "*.tenant-b.test,     *.tenant-b.test",
        "printer.corp,        printer.corp",
    })
    void claimsMayBeWildcardsOrUnderNoKnownSuffix(String raw, String normalized) throws Exception {
        assertThat(DomainNames.claimable(raw)).isEqualTo(normalized);
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1} ({2})")
    @CsvSource({
        "co.uk,          public-suffix, co.uk",
        "*.co.uk,        public-suffix, co.uk",
        "github.io,      public-suffix, github.io",
        "*.github.io,    public-suffix, github.io",
        "com,            public-suffix, com",
        "*.com,          public-suffix, com",
        "test,           public-suffix, ",
        "*.test,         public-suffix, ",
        "*.*.example.com, invalid-field, ",
        "a.*.example.com, invalid-field, ",
        "'a..b.com',     invalid-field, ",
        "'',             invalid-field, ",
    })
    void claimsRefusePublicSuffixesExactAndWildcard(String raw, String type, String suffix) {
        assertThatThrownBy(() -> DomainNames.claimable(raw)).isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.type()).isEqualTo(type);
            assertThat(e.kind()).isEqualTo(ServiceException.Kind.INVALID);
            assertThat(e.field()).isEqualTo("name");
            if (suffix != null) {
                assertThat(e.getMessage()).contains("'" + suffix + "'");
                assertThat(e.extra()).containsEntry("suffix", suffix);
            }
        });
    }

    @ParameterizedTest(name = "attempt {0}")
    @CsvSource({"0, 10", "1, 20", "2, 40", "3, 60", "30, 60"})
    void dnsBackoffDoublesUpToTheMaximum(int attempt, long seconds) {
        assertThat(DomainService.backoff(Duration.ofSeconds(10), Duration.ofSeconds(60), attempt))
                .isEqualTo(Duration.ofSeconds(seconds));
    }
}
