package dev.gatehouse.cluster.vip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.cluster.membership.Controller;
import dev.gatehouse.cluster.membership.MembershipView;
import dev.gatehouse.cluster.vip.driver.VipDriver;
import dev.gatehouse.cluster.vip.driver.VipSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The announcement of a VIP that comes back to this node must survive the applier being in the
 * middle of a pass over the previous plan. The test drives both threads in the order that lost it:
 * the applier reads the plan that hands the VIP away and stops in the driver (a repair pass asking
 * what is held); meanwhile the controller adopts a plan that gives the VIP back; then the applier
 * finishes its stale pass. The VIP must be announced again (the hand-over had silenced it), so the
 * driver sees a second claim.
 *
 * <p>The node under test is {@code a}; the test plays the coordinator {@code b} by delivering its
 * plan messages, in the wire format, on the controller thread as JGroups would.
 */
class VipAnnounceRaceTest {

    private static final String VIP = "198.18.0.100";
    private static final MembershipView VIEW = new MembershipView("b|2",
            List.of(new MembershipView.Member("b", "127.0.0.1:1"), new MembershipView.Member("a", "127.0.0.1:2")),
            false);

    private final Controller controller = Controller.named("race-controller");
    private final GatedDriver driver = new GatedDriver();
    private VipManager manager;

    private final long violationsBefore = ThreadOwner.violations();

    @AfterEach
    void stop() {
        driver.gate.set(null);
        manager.close();
        controller.close();
    }

    @Test
    void announcementOfAVipThatComesBackIsNotLostToAStaleApplierPass() throws Exception {
        VipSpec spec = VipSpec.parse(VIP + "/24", "eth0");
        // Repair every 50 ms, so that a repair pass (which asks the driver what it holds right after
        // reading the plan) comes soon; handover and settle as small as allowed.
        VipSettings settings = new VipSettings("a", List.of(new ManagedVip(spec, Optional.empty())), Failback.disabled(),
                Duration.ZERO, Duration.ofMillis(20), Duration.ofSeconds(1), Duration.ofMillis(50), Duration.ZERO);
        manager = VipManager.create(settings, driver, () -> null, Clock.systemUTC());
        controller.execute(() -> manager.viewChanged(VIEW));
        manager.start(controller, bytes -> { });

        deliverPlan(1, "a");
        await().atMost(Duration.ofSeconds(10)).until(() -> driver.claims.get() == 1);
        deliverPlan(2, "b"); // handed to b, which never confirms: a keeps it, silenced, for up to 3 s
        await().atMost(Duration.ofSeconds(10)).until(() -> driver.silenced.contains(VIP));

        CountDownLatch inDriver = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        driver.gate.set(new CountDownLatch[] {inDriver, resume});
        assertThat(inDriver.await(10, TimeUnit.SECONDS)).as("a repair pass reached the driver").isTrue();

        // The applier is now inside a pass over plan 2 (the VIP is b's). The VIP comes back.
        deliverPlan(3, "a");
        await().atMost(Duration.ofSeconds(10)).until(() -> "a".equals(manager.owners().get(VIP)));
        resume.countDown();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(driver.claims.get())
                .as("claims (announcements) of %s after it came back", VIP).isEqualTo(2));
        assertThat(manager.heldHere()).containsExactly(VIP);
        assertThat(ThreadOwner.violations() - violationsBefore).as("state changed off its owning thread").isZero();
    }

    @Test
    void aDecisionDeliveredOffTheControllerThreadFailsTheOwnershipCheck() throws Exception {
        assumeTrue(VipAnnounceRaceTest.class.desiredAssertionStatus(), "needs -ea (surefire enables assertions)");
        VipSpec spec = VipSpec.parse(VIP + "/24", "eth0");
        manager = VipManager.create(VipSettings.defaults("a", List.of(new ManagedVip(spec, Optional.empty())),
                Failback.disabled()), driver, () -> null, Clock.systemUTC());
        CountDownLatch seen = new CountDownLatch(1);
        controller.execute(() -> {
            manager.viewChanged(VIEW);
            seen.countDown();
        });
        assertThat(seen.await(10, TimeUnit.SECONDS)).isTrue();

        long before = ThreadOwner.violations();
        assertThatThrownBy(() -> manager.viewChanged(VIEW)) // on the test thread, not the controller
                .isInstanceOf(AssertionError.class).hasMessageContaining("VIP controller state changed on thread");
        assertThat(ThreadOwner.violations() - before).isEqualTo(1);
    }

    private void deliverPlan(long seq, String owner) {
        byte[] msg = ("{\"t\":\"plan\",\"view\":\"b|2\",\"seq\":" + seq + ",\"owners\":{\"" + VIP + "\":\"" + owner + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        controller.execute(() -> manager.messageReceived("b", msg));
    }

    /** Records claims and silences; {@link #held} stops at {@link #gate} once, when set. */
    static final class GatedDriver implements VipDriver {
        final AtomicInteger claims = new AtomicInteger();
        final Set<String> silenced = ConcurrentHashMap.newKeySet();
        final Map<String, Boolean> holding = new ConcurrentHashMap<>();
        final AtomicReference<CountDownLatch[]> gate = new AtomicReference<>();

        @Override
        public String name() {
            return "gated";
        }

        @Override
        public void claim(VipSpec vip) {
            holding.put(vip.name(), true);
            silenced.remove(vip.name());
            claims.incrementAndGet();
        }

        @Override
        public void release(VipSpec vip) {
            holding.remove(vip.name());
        }

        @Override
        public void silence(VipSpec vip) {
            silenced.add(vip.name());
        }

        @Override
        public Set<VipSpec> held(Set<VipSpec> vips) {
            CountDownLatch[] g = gate.getAndSet(null);
            if (g != null) {
                g[0].countDown();
                try {
                    g[1].await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return vips.stream().filter(v -> holding.containsKey(v.name())).collect(java.util.stream.Collectors.toSet());
        }

        @Override
        public void close() {
        }
    }
}
