package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.testing.TestEdge;
import dev.gatehouse.tls.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first request on a new connection is answered without waiting for the kernel's delayed-ACK
 * timer, for a client that leaves Nagle's algorithm on (Python's {@code ssl}, a real client).
 *
 * <p>Before the fix ({@link SessionTicketFlush}) every such request waited for the server's ACK of
 * the client's Finished, which Linux delays by 40 ms (TCP_DELACK_MIN): each gap was above 40 ms. The
 * assertion is on that kernel timer, not on speed: the median of the gaps must be well under it,
 * which even a loaded 2-core machine meets by a wide margin (a gap is a loopback round trip to an
 * in-process backend, about a millisecond).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NagleClientIT {

    static final int CONNECTIONS = 25;
    static final double DELAYED_ACK_MS = 40;

    @TempDir
    static Path dir;
    static TestEdge edge;

    @BeforeAll
    static void start() throws Exception {
        Tools.require("python3");
        edge = new TestEdge();
        edge.serveEc("nagle", "nagle.test");
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    @Test
    void answersTheFirstRequestOfAClientWithNagleOnWithoutTheDelayedAckStall() throws Exception {
        Path script = dir.resolve("first_request_gap.py");
        try (var in = NagleClientIT.class.getResourceAsStream("/clients/first_request_gap.py")) {
            Files.write(script, in.readAllBytes());
        }
        Tools.Result r = Tools.run(List.of("python3", script.toString(), "127.0.0.1", String.valueOf(edge.port()),
                "nagle.test", edge.caFile.toString(), String.valueOf(CONNECTIONS)), null, 90);
        assertThat(r.exitCode()).as(r.all()).isZero();
        double[] gaps = r.stdout().lines().mapToDouble(Double::parseDouble).sorted().toArray();
        assertThat(gaps).hasSize(CONNECTIONS);
        double median = gaps[gaps.length / 2];
        System.out.println("NagleClientIT first-request gaps (ms, sorted): " + java.util.Arrays.toString(gaps));
        assertThat(median).as("median first-request gap in ms (all: %s); 40 ms or more is the delayed-ACK stall",
                java.util.Arrays.toString(gaps)).isLessThan(DELAYED_ACK_MS / 2);
    }
}
