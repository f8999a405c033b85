package dev.gatehouse.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Settings validation and how they fill in gatehouse-jgroups.xml. */
class MembershipSettingsTest {

    private static MembershipSettings.Builder valid() {
        return MembershipSettings.builder().nodeName("a").bind("198.18.0.1", 7800)
                .peers(List.of("198.18.0.1:7800", "198.18.0.2:7800", "[::1]:7801"))
                .secret("0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        # field            | heartbeat ms | timeout ms | secret           | peer             | message
        heartbeatTooSlow   | 600          | 600        | 0123456789abcdef | 198.18.0.1:7800  | heartbeatInterval: PT0.6S (expected: < failureTimeout PT0.6S)
        secretTooShort     | 100          | 600        | short            | 198.18.0.1:7800  | secret: 5 bytes (expected: >= 16 bytes)
        peerWithoutPort    | 100          | 600        | 0123456789abcdef | 198.18.0.1       | peers: 198.18.0.1 (expected: host:port)
        """)
    void rejectsBadSettingsNamingTheFieldAndValue(String name, long heartbeat, long timeout, String secret, String peer,
                                                  String message) {
        assertThatThrownBy(() -> valid().heartbeatInterval(Duration.ofMillis(heartbeat))
                .failureTimeout(Duration.ofMillis(timeout)).secret(secret.getBytes(StandardCharsets.US_ASCII))
                .peers(List.of(peer)).build())
                .as(name).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void fillsEveryVariableOfTheStack() throws Exception {
        String xml = JGroupsStack.render(JGroupsStack.template(), valid().build().xmlProperties());
        assertThat(xml).doesNotContainPattern("\\$\\{gatehouse\\.[a-z_]+")
                .contains("initial_hosts=\"198.18.0.1[7800],198.18.0.2[7800],::1[7801]\"")
                .contains("bind_addr=\"198.18.0.1\"").contains("timeout=\"600ms\"").contains("interval=\"100ms\"");
    }

    @Test
    void usesTheDefaultOfAnUnsetVariable() {
        assertThat(JGroupsStack.render("<X a=\"${gatehouse.port:7800}\" b=\"${gatehouse.x:1s}\"/>",
                Map.of("gatehouse.port", "7801"))).isEqualTo("<X a=\"7801\" b=\"1s\"/>");
        assertThatThrownBy(() -> JGroupsStack.render("${gatehouse.peers}", Map.of()))
                .hasMessage("gatehouse.peers: unset (expected: a value, as it has no default)");
    }
}
