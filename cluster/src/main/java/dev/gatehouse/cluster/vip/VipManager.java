package dev.gatehouse.cluster.vip;

import dev.gatehouse.cluster.membership.Controller;
import dev.gatehouse.cluster.membership.MembershipListener;
import dev.gatehouse.cluster.membership.MembershipView;
import dev.gatehouse.cluster.vip.driver.VipDriver;
import dev.gatehouse.cluster.vip.driver.VipDriverException;
import dev.gatehouse.cluster.vip.driver.VipSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's share of the VIPs: decides ownership from the JGroups view and every
 * member's health, and has the {@link VipDriver} carry it out. This class wires three threads,
 * one class each, and is the API the node uses:
 *
 * <table>
 *   <caption>Threads and what each owns</caption>
 *   <tr><th>thread</th><th>class</th><th>owns</th></tr>
 *   <tr><td>ticker ({@code gatehouse-vip-health})</td><td>{@link HealthReporter}</td>
 *       <td>this node's health (check, settle); also fires the timers whose work goes to the controller</td></tr>
 *   <tr><td>membership {@link Controller}</td><td>{@link PlanController}</td>
 *       <td>view, members' health and held VIPs, the plan, announcement requests, step-down; plan and
 *       health messages ({@link VipMessage})</td></tr>
 *   <tr><td>applier ({@code gatehouse-vip-applier})</td><td>{@link Applier}</td>
 *       <td>per-VIP driver state: held, hand-over, retries, announcements made</td></tr>
 * </table>
 *
 * <p>Work crosses threads in one direction each way and never by writing another thread's fields:
 * the ticker and the applier enqueue tasks on the controller; the controller replaces the applier's
 * {@link Target} (one immutable snapshot of the plan and the announcements it asks for) and asks it
 * for a pass. Each part asserts its owning thread where it mutates ({@link ThreadOwner}). Nothing
 * blocks JGroups: its callbacks run on the controller, which never calls the driver.
 */
public final class VipManager implements MembershipListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VipManager.class);

    /** Told when this node takes a VIP another member owned (one node per move); runs on the controller thread. */
    public interface MoveListener {
        void taken(String vip, String previousOwner, String viewId, long planSeq);
    }

    private final VipSettings settings;
    private final VipDriver driver;
    private final ScheduledExecutorService ticker;
    private final HealthReporter health;
    private final Applier applier;
    private final PlanController plans;
    private volatile Controller controller;

    private VipManager(VipSettings settings, VipDriver driver, HealthCheck check, Clock clock) {
        this.settings = settings;
        this.driver = driver;
        Map<String, ManagedVip> byName = new LinkedHashMap<>();
        settings.vips().forEach(v -> byName.put(v.name(), v));
        Map<String, ManagedVip> vips = Collections.unmodifiableMap(byName); // in configuration order
        ThreadOwner tickerThread = ThreadOwner.of("VIP health");
        this.ticker = Executors.newSingleThreadScheduledExecutor(tickerThread.factory("gatehouse-vip-health"));
        this.health = new HealthReporter(settings, check, clock, tickerThread);
        this.applier = new Applier(settings, driver, clock, vips);
        this.plans = new PlanController(settings, clock, health, applier, ticker);
    }

    /**
     * A manager for {@code settings}; not yet running. Pass it as the {@link MembershipListener}
     * when connecting, then {@link #start} it.
     */
    public static VipManager create(VipSettings settings, VipDriver driver, HealthCheck check, Clock clock) {
        return new VipManager(Objects.requireNonNull(settings, "settings"), Objects.requireNonNull(driver, "driver"),
                Objects.requireNonNull(check, "check"), Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Removes every configured VIP this host still answers for (left behind by a crash: this node
     * owns nothing yet), then starts checking health, announcing and applying.
     *
     * @param controller  the membership controller (decisions run there)
     * @param broadcaster sends a message to every other member
     */
    public void start(Controller controller, Consumer<byte[]> broadcaster) {
        this.controller = Objects.requireNonNull(controller, "controller");
        plans.start(controller, Objects.requireNonNull(broadcaster, "broadcaster"));
        Set<VipSpec> specs = Applier.specs(settings.vips());
        releaseLeftovers(driver, specs);
        driver.prepare(specs);
        health.start(ticker, () -> onController(plans::onOwnHealth));
        long a = settings.announce().toMillis();
        ticker.scheduleWithFixedDelay(() -> controller.execute(plans::onTick), a, a, TimeUnit.MILLISECONDS);
        applier.start(() -> onController(plans::announceHealth));
        log.info("event=vip_manager_started node={} driver={} vips={} failback={} settle_ms={} handover_ms={}",
                settings.nodeName(), driver.name(), settings.vips().stream().map(ManagedVip::name).toList(),
                settings.failback().enabled() ? settings.failback().holdDown() : "off",
                settings.settle().toMillis(), settings.handover().toMillis());
    }

    /**
     * Removes every VIP in {@code specs} that this host answers for. For start-up and for the
     * unit's {@code ExecStopPost} after a crash. Logs and carries on past failures.
     *
     * @return the VIPs removed
     */
    public static List<String> releaseLeftovers(VipDriver driver, Set<VipSpec> specs) {
        List<String> removed = new ArrayList<>();
        Set<VipSpec> present;
        try {
            present = driver.held(specs);
        } catch (VipDriverException e) {
            log.error("event=vip_leftover_check_failed driver={} error=\"{}\"", driver.name(), e.getMessage());
            return removed;
        }
        for (VipSpec vip : present) {
            try {
                driver.release(vip);
                removed.add(vip.name());
                log.warn("event=vip_leftover_removed vip={} driver={} (this node owns no VIP yet)", vip, driver.name());
            } catch (VipDriverException e) {
                log.error("event=vip_leftover_remove_failed vip={} error=\"{}\"", vip, e.getMessage());
            }
        }
        return removed;
    }

    /** On the controller thread (JGroups delivers there). */
    @Override
    public void viewChanged(MembershipView next) {
        plans.viewChanged(next);
    }

    /** On the controller thread (JGroups delivers there). */
    @Override
    public void messageReceived(String from, byte[] payload) {
        plans.messageReceived(from, payload);
    }

    /** Set before {@link #start}: drains this node's connections on a VIP before a planned hand-over. */
    public void drainWith(ConnectionDrain drain) {
        applier.drainWith(Objects.requireNonNull(drain, "drain"));
    }

    /** Set before {@link #start}; the listener must not block (hand the work to another thread). */
    public void onMove(MoveListener listener) {
        plans.onMove(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Graceful stop: reports this node unhealthy so the coordinator moves its VIPs away, waits
     * until they have been drained here, claimed elsewhere and released here, at most
     * {@code timeout}; then releases whatever is left. The listeners stay open meanwhile.
     *
     * @return whether every VIP was handed over within {@code timeout}
     */
    public boolean stepDown(Duration timeout) {
        Controller c = controller;
        if (c == null) {
            return true; // never started: holds nothing
        }
        CountDownLatch submitted = new CountDownLatch(1);
        c.execute(() -> {
            plans.stepDown();
            submitted.countDown();
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean clean = false;
        try {
            submitted.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            while (System.nanoTime() < deadline) {
                if (Target.mine(plans.owners(), settings.nodeName()).isEmpty() && applier.heldHere().isEmpty()) {
                    clean = true;
                    break;
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("event=vip_step_down node={} handed_over={} took_ms={}", settings.nodeName(), clean,
                timeout.toMillis() - Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
        return clean;
    }

    /** What the console shows: health, view, each VIP's owner and whether it is held here. */
    public Map<String, Object> status() {
        return VipStatus.of(settings, driver.name(), health, plans, applier);
    }

    /** The VIPs this node currently answers for (as last applied), for tests and status. */
    public Set<String> heldHere() {
        return applier.heldHere();
    }

    /** VIP owner changes this node adopted from plans since it started (every node counts the same moves). */
    public long moves() {
        return plans.moves();
    }

    /**
     * From the latest view change this node saw to its latest VIP claim, in nanoseconds (-1 before
     * the first claim): after a failover, how long the survivor took to answer for the VIP.
     */
    public long lastClaimAfterViewNanos() {
        return applier.lastClaimAfterViewNanos();
    }

    /** The owner of each VIP in the latest plan this node knows. */
    public Map<String, String> owners() {
        return plans.owners();
    }

    /** Stops checking and applying, then releases every VIP held here. */
    @Override
    public void close() {
        ticker.shutdownNow();
        applier.close();
        driver.close();
    }

    private void onController(Runnable task) {
        Controller c = controller;
        if (c == null) {
            return;
        }
        try {
            c.execute(task);
        } catch (RejectedExecutionException closed) {
            log.debug("event=vip_announce_skipped reason=closed");
        }
    }
}
