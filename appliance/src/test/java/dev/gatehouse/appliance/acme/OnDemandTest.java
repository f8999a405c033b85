package dev.gatehouse.appliance.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.cluster.testing.MutableClock;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OnDemandTest {

    private final EdgeMetrics metrics = new EdgeMetrics();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final CountDownLatch schedulerStuck = new CountDownLatch(1);
    private final List<String> requested = new CopyOnWriteArrayList<>();
    private OnDemand onDemand;

    @AfterEach
    void close() {
        schedulerStuck.countDown();
        if (onDemand != null) {
            onDemand.close();
        }
    }

    /** A scheduler that takes the first name and then hangs (a store that does not answer). */
    private void hangingScheduler(String name, Runnable done) {
        requested.add(name);
        try {
            schedulerStuck.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        done.run();
    }

    @Test
    void handshakePathNeverWaitsForAStuckSchedulerAndRefusesBeyondTheBound() {
        onDemand = new OnDemand(name -> name.endsWith(".verified.test"), 100_000, metrics, clock,
                this::hangingScheduler);
        int offered = OnDemand.MAX_QUEUED + 50;
        for (int i = 0; i < offered; i++) {
            onDemand.accept("n" + i + ".verified.test"); // returns although the scheduler hangs
        }
        assertThat(onDemand.queued()).isEqualTo(OnDemand.MAX_QUEUED);
        assertThat(metrics.get("acme.on_demand_requested")).isEqualTo(OnDemand.MAX_QUEUED);
        assertThat(metrics.get("acme.on_demand_queue_full")).isEqualTo(50);
        await().atMost(Duration.ofSeconds(5)).until(() -> requested.size() == 1);

        schedulerStuck.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> onDemand.queued() == 0);
        assertThat(requested).hasSize(OnDemand.MAX_QUEUED).doesNotHaveDuplicates();
    }

    @Test
    void asksOncePerNameWhileQueuedAndNeverForNamesThatDoNotQualify() {
        schedulerStuck.countDown();
        onDemand = new OnDemand(name -> name.endsWith(".verified.test"), 100, metrics, clock,
                this::hangingScheduler);
        onDemand.accept("scanner.example.com");
        for (int i = 0; i < 20; i++) {
            onDemand.accept("shop.verified.test");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> onDemand.queued() == 0);
        assertThat(requested).containsExactly("shop.verified.test");
        assertThat(metrics.get("acme.on_demand_requested")).isEqualTo(1);
    }

    @Test
    void rateLimitAllowsTheHourlyBurstThenOneMorePerInterval() {
        schedulerStuck.countDown();
        onDemand = new OnDemand(name -> true, 3, metrics, clock, this::hangingScheduler);
        for (String n : List.of("a.test", "b.test", "c.test", "d.test")) {
            onDemand.accept(n);
        }
        assertThat(metrics.get("acme.on_demand_requested")).isEqualTo(3);
        assertThat(metrics.get("acme.on_demand_rate_limited")).isEqualTo(1);
        clock.advance(Duration.ofMinutes(20)); // 3 per hour: one token back every 20 minutes
        onDemand.accept("d.test");
        onDemand.accept("e.test");
        assertThat(metrics.get("acme.on_demand_requested")).isEqualTo(4);
        assertThat(metrics.get("acme.on_demand_rate_limited")).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> requested.size() == 4);
    }
}
