package dev.gatehouse.cluster.vip;

import dev.gatehouse.cluster.vip.driver.VipDriver;
import dev.gatehouse.cluster.vip.driver.VipDriverException;
import dev.gatehouse.cluster.vip.driver.VipSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converges the driver towards the controller's latest {@link Target}, on its own thread (a driver
 * call may block: an EC2 API call takes a second), so nothing here holds up decisions.
 *
 * <p>A planned move (the VIP goes from one live member to another: step-down, failback,
 * rebalancing) loses no connection. The old holder stops announcing the VIP
 * ({@link VipDriver#silence}) and drains it ({@link ConnectionDrain}: new connections held off, open
 * ones finish, at most {@link #DRAIN_LIMIT}), then reports it drained in its health broadcast; the
 * new owner claims only then, so no connection is still open on the old holder when the
 * neighbours switch to the new one. The old holder keeps the address until the new owner reports
 * holding it, plus {@code handover} for its gratuitous ARP to land (make-before-break: the address
 * always answers ARP), and then releases it; each side gives up waiting for the other after
 * {@link #HANDOVER_LIMIT}. When the previous holder is not live (a crash, a frozen or cut-off node
 * the view has dropped) nothing is waited for: the new owner claims at once. A VIP nobody takes
 * over is released at once. Failures are retried with backoff; every {@code repair} interval the driver's
 * real state is compared with the plan (an address removed by hand comes back; one added by hand
 * goes).
 *
 * <p>Threads: every {@link VipState} field is written on the applier thread only (and by
 * {@link #close} once that thread has stopped), checked by {@link ThreadOwner}. Other threads hand
 * work over through {@link #offer} (a new target, replaced whole) and {@link #requestApply} (a flag
 * that coalesces requests into one pass), and read {@code held}, {@code since}, {@code lastError}
 * and {@code announced}, which are volatile.
 *
 * <p>Why a little over 400 lines: it is all the work of one thread (convergence, planned hand-over
 * with its drain, announcements); keeping that thread's fields in one class is what lets
 * {@link ThreadOwner} check the one-writer rule.
 */
final class Applier {

    private static final Logger log = LoggerFactory.getLogger(Applier.class);
    /** How long a VIP handed to a live member waits for that member to report holding it. */
    static final Duration HANDOVER_LIMIT = Duration.ofSeconds(3);
    /**
     * How long the old holder of a planned move waits for its open connections to finish. Clients
     * whose SYN it drops meanwhile retransmit after one second (Linux's initial RTO), by when the
     * new owner must hold the address: so well under a second, leaving room for the broadcast and
     * the claim.
     */
    static final Duration DRAIN_LIMIT = Duration.ofMillis(500);

    private final VipSettings settings;
    private final VipDriver driver;
    private final Clock clock;
    private final Map<String, ManagedVip> vips;
    private final Map<String, VipState> state = new LinkedHashMap<>();
    private final ThreadOwner owner = ThreadOwner.of("VIP applier");
    private final ScheduledExecutorService executor;
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile Target target = Target.NONE;
    private volatile Runnable onChange = () -> { };
    private volatile ConnectionDrain drain = ConnectionDrain.NONE;
    private volatile long lastClaimAfterViewNanos = -1;

    Applier(VipSettings settings, VipDriver driver, Clock clock, Map<String, ManagedVip> vips) {
        this.settings = settings;
        this.driver = driver;
        this.clock = clock;
        this.vips = vips;
        vips.keySet().forEach(v -> state.put(v, new VipState()));
        this.executor = Executors.newSingleThreadScheduledExecutor(owner.factory("gatehouse-vip-applier"));
    }

    /** Set before {@link #start}: what drains this node's connections on a VIP it hands over. */
    void drainWith(ConnectionDrain d) {
        this.drain = d;
    }

    /** Starts the repair passes; {@code onChange} runs after every claim, drain and release (it must not block). */
    void start(Runnable onChange) {
        this.onChange = onChange;
        long r = settings.repair().toMillis();
        executor.scheduleWithFixedDelay(() -> converge(true), r, r, TimeUnit.MILLISECONDS);
    }

    /** Replaces the target (any thread); with {@code apply}, a pass follows. */
    void offer(Target next, boolean apply) {
        target = next;
        if (apply) {
            requestApply();
        }
    }

    /** Asks for a pass (any thread); requests made before a pass starts share it. */
    void requestApply() {
        if (!queued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> converge(false));
        } catch (RejectedExecutionException closed) {
            log.debug("event=vip_apply_skipped reason=closed");
        }
    }

    private void converge(boolean repair) {
        assert owner.isCurrent() : owner.violation();
        queued.set(false);
        Target t = target; // one snapshot: the plan and the announcements asked for under it
        Set<String> want = t.mine(settings.nodeName());
        Instant now = clock.instant();
        if (repair) {
            refreshHeld(want);
        }
        long nextWakeMs = -1;
        for (ManagedVip vip : vips.values()) {
            VipState s = state.get(vip.name());
            if (s.retryAt != null && now.isBefore(s.retryAt)) {
                nextWakeMs = earliest(nextWakeMs, Duration.between(now, s.retryAt).toMillis());
                continue;
            }
            long asked = t.announcements(vip.name());
            if (want.contains(vip.name())) {
                s.releaseAt = null;
                s.handoverSince = null;
                // Held but drained: given back in the middle of a hand-over. The member it was going to
                // may have claimed it meanwhile and be serving its connections (it announced, so the
                // neighbours send to it): taking it back is then a claim like any other, after that
                // member has drained, and announced again; resuming at once cut that member's
                // connections (VipFailoverIT: a step-down a moment after a failback). apply resumes.
                boolean givenBack = s.held && s.drained;
                if (!s.held || givenBack || asked > s.announced) {
                    long waitMs = s.held && !givenBack ? 0 : awaitPreviousHolder(vip, s, t, now);
                    if (waitMs > 0) {
                        nextWakeMs = earliest(nextWakeMs, waitMs);
                        continue;
                    }
                    s.announced = Math.max(s.announced, asked);
                    apply(vip, s, true, now, t);
                }
            } else {
                s.claimWaitSince = null;
                // Not ours under t: every announcement t carries was asked for under t's plan or an
                // earlier one, so none is due; one asked for under a later plan has a higher count.
                s.announced = Math.max(s.announced, asked);
                if (s.held) {
                    nextWakeMs = earliest(nextWakeMs, handOver(vip, s, t, now));
                } else {
                    s.releaseAt = null;
                    s.handoverSince = null;
                }
            }
            if (s.retryAt != null && s.retryAt.isAfter(now)) { // a past one is stale: nothing to retry
                nextWakeMs = earliest(nextWakeMs, Duration.between(now, s.retryAt).toMillis());
            }
        }
        if (nextWakeMs >= 0) {
            executor.schedule(() -> converge(false), Math.max(1, nextWakeMs), TimeUnit.MILLISECONDS);
        }
    }

    /** One step of giving {@code vip} up; returns when to look again (ms), or -1. */
    private long handOver(ManagedVip vip, VipState s, Target t, Instant now) {
        long wakeMs = -1;
        String newOwner = t.owners().get(vip.name());
        boolean handingOver = newOwner != null && !newOwner.equals(settings.nodeName()) && t.live().contains(newOwner);
        if (s.handoverSince == null) {
            s.handoverSince = now;
            driver.silence(vip.spec()); // the new owner announces; we must not race with it
            if (handingOver) {
                drainFor(vip, s, newOwner); // the new owner claims once it hears of this
            }
        }
        if (!handingOver) {
            s.releaseAt = now; // nobody takes it over: nothing to wait for
        } else if (s.releaseAt == null) {
            // Make-before-break: keep answering until the new owner reports that it holds the VIP
            // (plus the hand-over delay, for its announcement to land), or give up waiting after
            // HANDOVER_LIMIT.
            if (t.heldBy().getOrDefault(newOwner, Set.of()).contains(vip.name())) {
                s.releaseAt = now.plus(settings.handover());
            } else if (!now.isBefore(s.handoverSince.plus(HANDOVER_LIMIT))) {
                log.warn("event=vip_handover_unconfirmed vip={} node={} new_owner={} waited_ms={} (releasing)",
                        vip.name(), settings.nodeName(), newOwner, HANDOVER_LIMIT.toMillis());
                s.releaseAt = now;
            } else {
                wakeMs = Duration.between(now, s.handoverSince.plus(HANDOVER_LIMIT)).toMillis();
            }
        }
        if (s.releaseAt != null && !now.isBefore(s.releaseAt)) {
            apply(vip, s, false, now, t);
            s.releaseAt = null;
            s.handoverSince = null;
        } else if (s.releaseAt != null) {
            wakeMs = earliest(wakeMs, Duration.between(now, s.releaseAt).toMillis());
        }
        return wakeMs;
    }

    /**
     * Before claiming {@code vip}: while another live member still serves it (holds it, not yet
     * drained), the new owner waits, so that the neighbours switch only once that member's
     * connections on it are gone. Returns how long to wait (ms), 0 to claim now.
     */
    private long awaitPreviousHolder(ManagedVip vip, VipState s, Target t, Instant now) {
        String holder = null;
        for (Map.Entry<String, Set<String>> e : t.heldBy().entrySet()) {
            if (!e.getKey().equals(settings.nodeName()) && t.live().contains(e.getKey())
                    && e.getValue().contains(vip.name())) {
                holder = e.getKey();
            }
        }
        if (holder == null) {
            s.claimWaitSince = null;
            return 0;
        }
        if (s.claimWaitSince == null) {
            s.claimWaitSince = now;
            log.info("event=vip_claim_waiting vip={} node={} holder={} (for it to drain)", vip.name(),
                    settings.nodeName(), holder);
        }
        Instant limit = s.claimWaitSince.plus(HANDOVER_LIMIT);
        if (!now.isBefore(limit)) {
            log.warn("event=vip_drain_unconfirmed vip={} node={} holder={} waited_ms={} (claiming)", vip.name(),
                    settings.nodeName(), holder, HANDOVER_LIMIT.toMillis());
            s.claimWaitSince = null;
            return 0;
        }
        return Math.max(1, Duration.between(now, limit).toMillis());
    }

    /** Drains this node's connections on {@code vip} (bounded), then tells the members. */
    private void drainFor(ManagedVip vip, VipState s, String newOwner) {
        long t0 = System.nanoTime();
        int left;
        try {
            left = drain.drain(vip.spec().address(), DRAIN_LIMIT);
        } catch (RuntimeException e) {
            log.error("event=vip_drain_failed vip={} node={} error=\"{}\" (handing over undrained)", vip.name(),
                    settings.nodeName(), e.toString());
            left = -1;
        }
        s.drained = true;
        log.info("event=vip_drained vip={} node={} new_owner={} open_left={} took_ms={}", vip.name(),
                settings.nodeName(), newOwner, left, (System.nanoTime() - t0) / 1_000_000);
        onChange.run();
    }

    /** The listeners take new connections on {@code vip} again. */
    private void resume(ManagedVip vip, VipState s) {
        try {
            drain.resume(vip.spec().address());
        } catch (RuntimeException e) {
            log.error("event=vip_resume_failed vip={} node={} error=\"{}\"", vip.name(), settings.nodeName(),
                    e.toString());
        }
        s.drained = false;
    }

    private void apply(ManagedVip vip, VipState s, boolean claim, Instant now, Target t) {
        assert owner.isCurrent() : owner.violation();
        long t0 = System.nanoTime();
        try {
            if (claim) {
                if (s.drained) {
                    resume(vip, s);
                }
                driver.claim(vip.spec());
            } else {
                driver.release(vip.spec());
            }
            s.held = claim;
            s.since = now;
            if (claim && t.viewChangedAtNanos() >= 0) {
                lastClaimAfterViewNanos = System.nanoTime() - t.viewChangedAtNanos();
            }
            s.failures = 0;
            s.retryAt = null;
            s.lastError = null;
            log.info("event=vip_{} vip={} node={} driver={} took_us={}", claim ? "claimed" : "released", vip.spec(),
                    settings.nodeName(), driver.name(), (System.nanoTime() - t0) / 1000);
            onChange.run();
        } catch (VipDriverException | RuntimeException e) {
            s.failures++;
            long backoff = Math.min(5_000, 100L << Math.min(6, s.failures - 1));
            s.retryAt = now.plusMillis(backoff);
            s.lastError = e.getMessage();
            log.error("event=vip_{}_failed vip={} node={} driver={} attempt={} retry_ms={} error=\"{}\"",
                    claim ? "claim" : "release", vip.spec(), settings.nodeName(), driver.name(), s.failures, backoff,
                    e.getMessage());
        }
    }

    private void refreshHeld(Set<String> want) {
        Set<VipSpec> held;
        try {
            held = driver.held(specs(vips.values()));
        } catch (VipDriverException | RuntimeException e) {
            log.warn("event=vip_repair_check_failed driver={} error=\"{}\"", driver.name(), e.getMessage());
            return;
        }
        for (ManagedVip vip : vips.values()) {
            VipState s = state.get(vip.name());
            boolean really = held.contains(vip.spec());
            if (really != s.held && s.handoverSince == null) {
                log.warn("event=vip_drift vip={} node={} expected_held={} held={} wanted={} (repairing)", vip.spec(),
                        settings.nodeName(), s.held, really, want.contains(vip.name()));
                s.held = really;
            }
        }
    }

    /** The VIPs this node answers for (as last applied); any thread. */
    Set<String> heldHere() {
        Set<String> out = new LinkedHashSet<>();
        state.forEach((vip, s) -> {
            if (s.held) {
                out.add(vip);
            }
        });
        return out;
    }

    /** The VIPs held here that are drained for a hand-over (the new owner may claim them); any thread. */
    Set<String> drainedHere() {
        Set<String> out = new LinkedHashSet<>();
        state.forEach((vip, s) -> {
            if (s.held && s.drained) {
                out.add(vip);
            }
        });
        return out;
    }

    /** Whether an announcement {@code t} asks for has not been made yet; any thread. */
    boolean announcing(Target t) {
        return state.entrySet().stream().anyMatch(e -> t.announcements(e.getKey()) > e.getValue().announced);
    }

    /** What status shows of {@code vip}; any thread. */
    Holding holding(String vip) {
        VipState s = state.get(vip);
        return new Holding(s.held, s.since, s.lastError);
    }

    /** From the latest view change to the latest claim, in ns (-1 before the first claim). */
    long lastClaimAfterViewNanos() {
        return lastClaimAfterViewNanos;
    }

    /** Stops the applier thread, then (on the caller's thread, now the owner) releases every VIP held here. */
    void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                log.warn("event=vip_applier_still_busy node={} waited_ms=2000 (releasing anyway)", settings.nodeName());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        owner.takeOver();
        for (ManagedVip vip : vips.values()) {
            VipState s = state.get(vip.name());
            if (s.held) {
                apply(vip, s, false, clock.instant(), target);
            }
        }
    }

    static Set<VipSpec> specs(Collection<ManagedVip> vips) {
        Set<VipSpec> out = new LinkedHashSet<>();
        vips.forEach(v -> out.add(v.spec()));
        return out;
    }

    private static long earliest(long current, long candidate) {
        if (candidate < 0) {
            return current;
        }
        return current < 0 ? candidate : Math.min(current, candidate);
    }

    /** A VIP as status shows it: whether it is held here, since when, the last driver error. */
    record Holding(boolean held, Instant since, String lastError) {
    }

    /** Per-VIP applier state: written on the applier thread only; the volatile fields are read elsewhere. */
    private static final class VipState {
        volatile boolean held;
        volatile Instant since;
        volatile String lastError;
        /** The announcement count ({@link Target#announcements}) last carried out or retired. */
        volatile long announced;
        /** Drained for a hand-over: the listeners hold off new connections on it until it is claimed again. */
        volatile boolean drained;
        Instant claimWaitSince;
        Instant releaseAt;
        Instant handoverSince;
        Instant retryAt;
        int failures;
    }
}
