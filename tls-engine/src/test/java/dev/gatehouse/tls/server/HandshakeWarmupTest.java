package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.observe.HandshakeRecord;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.observe.RequestRecord;
import dev.gatehouse.tls.testing.TestEdge;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The start-up warm-up runs real handshakes through the HTTPS pipeline and leaves no trace a tenant
 * or an operator could see: no observed handshake or request (so no access-log line or metric), no
 * key material in the real registry, no accepted connection on the real listener's counters.
 */
class HandshakeWarmupTest {

    @Test
    void completesItsHandshakesAndRequestsAndLeavesNoTraceInTheRealRegistryObserverOrCounters() throws Exception {
        AtomicInteger observed = new AtomicInteger();
        RequestObserver counting = new RequestObserver() {
            @Override
            public void onRequest(RequestRecord request) {
                observed.incrementAndGet();
            }

            @Override
            public void onHandshake(HandshakeRecord handshake) {
                observed.incrementAndGet();
            }
        };
        String before = System.getProperty(HandshakeWarmup.PROPERTY);
        System.setProperty(HandshakeWarmup.PROPERTY, "60");
        // the count is what is asserted, not a speed: the time bound is lifted so a loaded machine still makes 60
        System.setProperty(HandshakeWarmup.SECONDS_PROPERTY, "300");
        try (TestEdge edge = new TestEdge(b -> b, counting)) {
            assertThat(edge.edge.warmupHandshakes()).as("handshakes completed before the listener bound")
                    .isEqualTo(60);
            assertThat(edge.edge.warmupRequests()).as("requests answered 200 through the proxy by the warm-up's backend")
                    .isEqualTo(60);
            assertThat(observed).hasValue(0);
            assertThat(edge.registry.contextStats().builds()).isZero();
            assertThat(edge.registry.contextStats().misses()).isZero();
            assertThat(edge.registry.cachedContexts()).isZero();
            assertThat(edge.edge.metrics().snapshot().getOrDefault("connections.accepted", 0L)).isZero();
            // and the node still serves its own certificates afterwards
            edge.serveEc("app", "app.example.test");
            assertThat(edge.probe.leaf(edge.port(), "app.example.test").getSubjectX500Principal().getName())
                    .contains("app.example.test");
            assertThat(observed.get()).isPositive();
        } finally {
            System.clearProperty(HandshakeWarmup.SECONDS_PROPERTY);
            if (before == null) {
                System.clearProperty(HandshakeWarmup.PROPERTY);
            } else {
                System.setProperty(HandshakeWarmup.PROPERTY, before);
            }
        }
    }

    @Test
    void isOffWithZero() throws Exception {
        try (TestEdge edge = new TestEdge()) {
            assertThat(edge.edge.warmupHandshakes()).isZero(); // the test JVM runs with -Dgatehouse.warmup.handshakes=0
        }
    }

    @Test
    void isOnByDefaultAndBoundedInCount() {
        String before = System.getProperty(HandshakeWarmup.PROPERTY);
        try {
            System.clearProperty(HandshakeWarmup.PROPERTY);
            assertThat(HandshakeWarmup.configured()).isEqualTo(10_000);
            System.setProperty(HandshakeWarmup.PROPERTY, "5000000");
            assertThat(HandshakeWarmup.configured()).isEqualTo(100_000);
            System.setProperty(HandshakeWarmup.PROPERTY, "-3");
            assertThat(HandshakeWarmup.configured()).isZero();
        } finally {
            if (before == null) {
                System.clearProperty(HandshakeWarmup.PROPERTY);
            } else {
                System.setProperty(HandshakeWarmup.PROPERTY, before);
            }
        }
    }
}
