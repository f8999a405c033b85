package dev.gatehouse.cluster.vip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The optional gateway check: a reachable gateway keeps the node healthy, an unreachable one does not. */
class GatewayCheckTest {

    @Test
    void reachableGatewayIsNoProblem() throws Exception {
        try (GatewayCheck check = GatewayCheck.start(InetAddress.getByName("127.0.0.1"), Duration.ofMillis(50),
                Duration.ofMillis(200), 2)) {
            await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2)).until(() -> check.problem() == null);
        }
    }

    @Test
    void unreachableGatewayBecomesAProblemAfterTheMisses() throws Exception {
        // 198.18.255.254: the benchmarking range, where nothing answers here
        try (GatewayCheck check = GatewayCheck.start(InetAddress.getByName("198.18.255.254"), Duration.ofMillis(50),
                Duration.ofMillis(100), 2)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> check.problem() != null);
            assertThat(check.problem()).contains("gateway 198.18.255.254 unreachable");
        }
    }

    @Test
    void refusesZeroMisses() {
        assertThatThrownBy(() -> GatewayCheck.start(InetAddress.getLoopbackAddress(), Duration.ofSeconds(1),
                Duration.ofMillis(100), 0)).hasMessageContaining("misses: 0 (expected: >= 1)");
    }
}
