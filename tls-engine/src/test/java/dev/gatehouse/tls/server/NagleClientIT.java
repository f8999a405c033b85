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
 * assertion is on that kernel timer, not on speed: it counts the gaps that reach it, and at most a
 * quarter may (a gap is a loopback round trip to an in-process backend, about a millisecond; on a
 * machine busy with other builds a few are descheduled for tens of ms, which a median under 20 ms,
 * the earlier form, did not always survive; with the stall every gap reaches it).
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
        System.out.println("NagleClientIT first-request gaps (ms, sorted): " + java.util.Arrays.toString(gaps));
        long stalled = java.util.Arrays.stream(gaps).filter(g -> g >= DELAYED_ACK_MS).count();
        assertThat(stalled).as("first-request gaps of 40 ms or more, the delayed-ACK stall (all, ms: %s)",
                java.util.Arrays.toString(gaps)).isLessThanOrEqualTo(CONNECTIONS / 4);
    }
}
