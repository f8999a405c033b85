package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.testing.TestEdge;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class GracefulShutdownIT {

    @Test
    void drainsInFlightRequestsAndStopsAccepting() throws Exception {
        TestEdge edge = new TestEdge();
        try {
            edge.serveEc("a", "app.tenant-a.test");
            int port = edge.port();
            CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
                try {
                    return edge.probe.get(port, "app.tenant-a.test", "/slow?ms=1500");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> edge.edge.inflight() == 1);
            long t0 = System.nanoTime();
            edge.edge.shutdownGracefully(Duration.ofSeconds(10));
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(inFlight.get()).startsWith("HTTP/1.1 200").contains("slow 1500");
            assertThat(tookMs).isLessThan(10_000); // returned when the request finished, not at the deadline
            assertThatThrownBy(() -> edge.probe.get(port, "app.tenant-a.test", "/")).isInstanceOf(IOException.class);
        } finally {
            edge.close();
        }
    }
}
