package dev.gatehouse.appliance.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonLineTest {

    private static String written(JsonLine g) {
        return new String(g.array(), 0, g.length(), StandardCharsets.US_ASCII);
    }

    @Test
    void copiesAStringThatNeedsNoEscapeAsIsAndGrowsForIt() {
        JsonLine g = new JsonLine(16); // smaller than the value: room is made before the copy
        String id = "0123456789abcdef0123456789abcdef";
        g.string(id);
        assertThat(written(g)).isEqualTo('"' + id + '"');
    }

    @Test
    void escapesFromTheFirstCharThatNeedsItOnAfterACleanPrefix() {
        JsonLine g = new JsonLine(16); // the escapes outgrow the room made for the clean chars
        g.string("abcdefghij\"\\\n\u0001\u00e9\ud83d\ude00\ud800xyz");
        assertThat(written(g))
                .isEqualTo("\"abcdefghij\\\"\\\\\\n\\u0001\\u00E9\\uD83D\\uDE00\\uFFFDxyz\"");
    }

    @Test
    void escapesAStringThatStartsWithACharThatNeedsIt() {
        JsonLine g = new JsonLine(16);
        g.string("\u007fab");
        assertThat(written(g)).isEqualTo("\"\\u007Fab\"");
    }
}
