package dev.gatehouse.tls.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPortTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "backend.internal:8080 | backend.internal | 8080  | false | backend.internal:8080",
        "10.0.0.7:443          | 10.0.0.7         | 443   | false | 10.0.0.7:443",
        "[fd00::7]:443         | fd00::7          | 443   | true  | [fd00::7]:443",
        "':80'                 | ''               | 80    | false | :80",
        "h:0                   | h                | 0     | false | h:0",
        "h:65535               | h                | 65535 | false | h:65535",
        // without brackets the port is after the last colon, as the config has always read it
        "fd00::7:443           | fd00::7          | 443   | false | fd00::7:443",
    })
    void splitsAtTheLastColonAndDropsTheBrackets(String text, String host, int port, boolean bracketed, String back) {
        HostPort hp = HostPort.parse(text);
        assertThat(hp).isEqualTo(new HostPort(host, port, bracketed));
        assertThat(hp.toString()).isEqualTo(back);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "null", value = {"null", "backend", "h:65536", "h:-1", "h:http", "h:"})
    void refusesWhatHasNoPort(String text) {
        assertThat(HostPort.parse(text)).isNull();
    }
}
