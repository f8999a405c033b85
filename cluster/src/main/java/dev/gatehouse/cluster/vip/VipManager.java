package dev.gatehouse.cluster.vip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.cluster.membership.Controller;
import dev.gatehouse.cluster.membership.MembershipListener;
import dev.gatehouse.cluster.membership.MembershipView;
import dev.gatehouse.cluster.vip.driver.VipDriver;
import dev.gatehouse.cluster.vip.driver.VipDriverException;
import dev.gatehouse.cluster.vip.driver.VipSpec;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's share of the VIPs: decides ownership from the JGroups view and every
 * member's health, and has the {@link VipDriver} carry it out.
 *
 * <h2>Who decides</h2>
 * The coordinator of the current view (its first member) runs {@link VipPlanner} and broadcasts
 * the plan; every member applies the VIPs the plan gives it. One decider means one plan even when
 * members learn of a health change at slightly different moments; the planner is still a pure
 * function of the view, the members' health and the previous plan, so when the coordinator dies
 * the next one (every member holds the last plan) continues from the same point. A member alone
 * in its view (the others died, or it is cut off) is its own coordinator and takes every VIP;
 * when the partition heals, MERGE3 installs one view whose coordinator keeps each VIP with its
 * previous owner on its side and broadcasts the plan, so the other side gives its copies up:
 * exactly one owner per VIP again.
 *
 * <h2>Health</h2>
 * Every member runs its {@link HealthCheck} every {@code healthInterval}; it reports itself healthy
 * only after the check has passed for {@code settle} without interruption, and unhealthy at the
 * first failure. Reports are broadcast on every change, every view change and every
 * {@code announce} interval.
 *
 * <h2>Applying</h2>
 * A separate applier thread converges the driver towards the plan. It claims at once. A VIP that
 * moves to another live member is handed over make-before-break: this node stops announcing it
 * at once, keeps answering on it until the new owner reports (in its health broadcast, sent right
 * after each claim) that it holds it, then {@code handover} longer for the new owner's gratuitous
 * ARP to land, and only then releases it (after at most 3 s without that report it releases
 * anyway). A VIP nobody takes over is released at once. Failures are retried with backoff and
 * shown in {@link #status()};
 * every {@code repair} interval the driver's real state is compared with the plan (an address
 * removed by hand comes back; one added by hand goes).
 *
 * <h2>Threads</h2>
 * Decisions run on the membership {@link Controller} (views, messages, health changes, ticks),
 * one at a time; the driver runs on the applier thread; nothing blocks JGroups.
 */
public final class VipManager implements MembershipListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VipManager.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a VIP handed to a live member waits for that member to report holding it. */
    private static final Duration HANDOVER_LIMIT = Duration.ofSeconds(3);

    private final VipSettings settings;
    private final VipDriver driver;
    private final HealthCheck check;
    private final Clock clock;
    private final Map<String, ManagedVip> vips = new LinkedHashMap<>();
    private final ScheduledExecutorService ticker;
    private final ScheduledExecutorService applier;
    private Controller controller;
    private volatile Consumer<byte[]> broadcaster = b -> { };

    // Controller-thread state.
    private MembershipView view = MembershipView.none();
    private final Map<String, Health> health = new HashMap<>();
    /** The latest plan adopted (written on the controller thread, read by the applier and status). */
    private volatile Map<String, String> plan = Map.of();
    private String planFrom = "";
    private long planSeq;
    private boolean stepDown;
    private boolean announceOnNextPlan;
    private String awaitingHealthSince;
    private final Map<String, String> viewOf = new HashMap<>();
    /** When each member of the view appeared in it, as this node saw it (continuous presence). */
    private final Map<String, Instant> inViewSince = new HashMap<>();

    // Health-thread state.
    private Instant passingSince;
    private volatile String problem = "starting";
    private volatile Health reported = Health.unhealthy();

    // Applier-thread state (read by status()).
    private volatile Set<String> live = Set.of();
    private final Map<String, Set<String>> heldBy = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, VipState> state = new java.util.concurrent.ConcurrentHashMap<>();
    private final Object applyLock = new Object();

    // Metrics (written on the controller and applier threads, read by scrapes).
    private final java.util.concurrent.atomic.AtomicLong moves = new java.util.concurrent.atomic.AtomicLong();
    private volatile long viewChangedAtNanos = -1;
    private volatile long lastClaimAfterViewNanos = -1;
    private boolean applyQueued;

    private VipManager(VipSettings settings, VipDriver driver, HealthCheck check, Clock clock) {
        this.settings = settings;
        this.driver = driver;
        this.check = check;
        this.clock = clock;
        for (ManagedVip v : settings.vips()) {
            vips.put(v.name(), v);
            state.put(v.name(), new VipState());
        }
        this.ticker = Executors.newSingleThreadScheduledExecutor(daemon("gatehouse-vip-health"));
        this.applier = Executors.newSingleThreadScheduledExecutor(daemon("gatehouse-vip-applier"));
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
        this.broadcaster = Objects.requireNonNull(broadcaster, "broadcaster");
        releaseLeftovers(driver, specs());
        driver.prepare(specs());
        long h = settings.healthInterval().toMillis();
        ticker.scheduleWithFixedDelay(this::checkHealth, 0, h, TimeUnit.MILLISECONDS);
        long a = settings.announce().toMillis();
        ticker.scheduleWithFixedDelay(() -> controller.execute(this::onTick), a, a, TimeUnit.MILLISECONDS);
        long r = settings.repair().toMillis();
        applier.scheduleWithFixedDelay(() -> converge(true), r, r, TimeUnit.MILLISECONDS);
        log.info("event=vip_manager_started node={} driver={} vips={} failback={} settle_ms={} handover_ms={}",
                settings.nodeName(), driver.name(), vips.keySet(),
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

    // ---- health (ticker thread) -------------------------------------------------------------

    private void checkHealth() {
        String p;
        try {
            p = check.problem();
        } catch (RuntimeException e) {
            p = "health check failed: " + e;
        }
        Instant now = clock.instant();
        Health next;
        if (p != null) {
            passingSince = null;
            next = Health.unhealthy();
        } else {
            if (passingSince == null) {
                passingSince = now;
            }
            boolean settled = !passingSince.plus(settings.settle()).isAfter(now);
            next = settled ? Health.healthySince(passingSince.plus(settings.settle())) : Health.unhealthy();
            if (!settled) {
                p = "settling (checks pass since " + passingSince + ")";
            }
        }
        problem = p;
        if (next.healthy() != reported.healthy()) {
            reported = next;
            log.info("event=vip_health node={} healthy={} problem=\"{}\"", settings.nodeName(), next.healthy(),
                    p == null ? "" : p);
            controller.execute(this::onOwnHealth);
        }
    }

    // ---- decisions (controller thread) -------------------------------------------------------

    @Override
    public void viewChanged(MembershipView next) {
        viewChangedAtNanos = System.nanoTime();
        view = next;
        awaitingHealthSince = null;
        health.keySet().retainAll(next.names());
        viewOf.keySet().retainAll(next.names());
        heldBy.keySet().retainAll(next.names());
        live = Set.copyOf(next.names());
        inViewSince.keySet().retainAll(next.names());
        Instant now = clock.instant();
        next.names().forEach(m -> inViewSince.putIfAbsent(m, now));
        if (next.merged()) {
            // Both sides of a healed partition may hold VIPs and neighbours may point at either:
            // whoever keeps a VIP under the first plan of the merged view announces it again.
            // (Not before: a member that has not heard the new coordinator yet would announce
            // VIPs it is about to give up.)
            announceOnNextPlan = true;
        }
        announceHealth();
        if (isCoordinator()) {
            List<String> unknown = next.names().stream().filter(m -> !health.containsKey(m)).toList();
            if (next.merged() && !unknown.isEmpty()) {
                // Members from the other side of a healed partition still hold VIPs and have not
                // reported their health to us yet: planning now would take their VIPs away and
                // give them back a moment later. Wait for their reports (onHealth replans), at most
                // one announce interval.
                awaitingHealthSince = next.id();
                log.info("event=vip_plan_deferred view={} waiting_for={}", next.id(), unknown);
                long wait = settings.announce().toMillis();
                ticker.schedule(() -> controller.execute(() -> {
                    if (next.id().equals(awaitingHealthSince)) {
                        awaitingHealthSince = null;
                        replan("view " + next.id() + " (health of " + unknown + " not heard)");
                    }
                }), wait, TimeUnit.MILLISECONDS);
                return;
            }
            replan("view " + next.id());
        }
    }

    @Override
    public void messageReceived(String from, byte[] payload) {
        JsonNode msg;
        try {
            msg = JSON.readTree(payload);
        } catch (IOException e) {
            log.warn("event=vip_message_ignored from={} reason=\"not JSON: {}\"", from, e.getMessage());
            return;
        }
        String type = msg.path("t").asText();
        switch (type) {
            case "health" -> onHealth(from, msg);
            case "plan" -> onPlan(from, msg);
            default -> log.warn("event=vip_message_ignored from={} reason=\"unknown type '{}'\"", from, type);
        }
    }

    private void onHealth(String from, JsonNode msg) {
        if (!view.contains(from)) {
            return;
        }
        Health h = msg.path("healthy").asBoolean(false)
                ? Health.healthySince(Instant.ofEpochMilli(msg.path("since").asLong()))
                : Health.unhealthy();
        Health old = health.put(from, h);
        String theirView = msg.path("view").asText();
        Set<String> theirs = new java.util.HashSet<>();
        if (theirView.equals(view.id())) {
            // Only a report made in our view counts as taking a VIP over: after a partition the
            // other side holds the VIP too, but announces it only under the merged view's plan.
            msg.path("held").forEach(v -> theirs.add(v.asText()));
        }
        Set<String> before = heldBy.put(from, Set.copyOf(theirs));
        if (!theirs.equals(before)) {
            requestApply(); // a hand-over here may be waiting for exactly this
        }
        boolean newlyInMyView = theirView.equals(view.id()) && !theirView.equals(viewOf.put(from, theirView));
        if (isCoordinator()) {
            if (awaitingHealthSince != null) {
                if (view.names().stream().allMatch(health::containsKey)) {
                    awaitingHealthSince = null;
                    replan("view " + view.id() + " (every member reported)");
                }
                return;
            }
            if (old == null || old.healthy() != h.healthy()) {
                replan("health of " + from + (h.healthy() ? " ok" : " not ok"));
            } else if (newlyInMyView) {
                broadcastPlan(); // it has just installed this view: tell it the plan now, not at the next tick
            }
        }
    }

    private void onPlan(String from, JsonNode msg) {
        if (view.coordinator().map(c -> !c.name().equals(from)).orElse(true)) {
            log.debug("event=vip_plan_ignored from={} coordinator={}", from, view.coordinator());
            return;
        }
        Map<String, String> next = new LinkedHashMap<>();
        msg.path("owners").fields().forEachRemaining(e -> {
            if (vips.containsKey(e.getKey())) {
                next.put(e.getKey(), e.getValue().asText());
            }
        });
        adopt(next, from, msg.path("seq").asLong());
    }

    private void onOwnHealth() {
        health.put(settings.nodeName(), effectiveHealth());
        announceHealth();
        if (isCoordinator() && (awaitingHealthSince == null || stepDown)) {
            replan("own health " + (effectiveHealth().healthy() ? "ok" : "not ok"));
        }
    }

    private void onTick() {
        health.put(settings.nodeName(), effectiveHealth());
        announceHealth();
        if (isCoordinator() && awaitingHealthSince == null) {
            replan(null);
            broadcastPlan();
        }
    }

    private Health effectiveHealth() {
        return stepDown ? Health.unhealthy() : reported;
    }

    private boolean isCoordinator() {
        return view.coordinator().map(c -> c.name().equals(settings.nodeName())).orElse(false);
    }

    private void announceHealth() {
        Health h = effectiveHealth();
        health.put(settings.nodeName(), h);
        ObjectNode msg = JSON.createObjectNode().put("t", "health").put("view", view.id()).put("healthy", h.healthy());
        heldHere().forEach(msg.putArray("held")::add);
        if (h.healthy()) {
            msg.put("since", h.healthySince().toEpochMilli());
        }
        send(msg);
    }

    private void replan(String why) {
        List<String> members = view.names();
        Map<String, Health> known = new HashMap<>();
        for (String m : members) {
            Health h = health.getOrDefault(m, Health.unhealthy());
            Instant joined = inViewSince.get(m);
            if (h.healthy() && joined != null && joined.isAfter(h.healthySince())) {
                // Healthy by its own account, but (back) in this view only since `joined`: a member
                // that was frozen or cut off must also sit out the failback hold-down.
                h = Health.healthySince(joined);
            }
            known.put(m, h);
        }
        List<Vip> list = vips.values().stream().map(ManagedVip::forPlanner).toList();
        VipPlan next = VipPlanner.plan(PlanInput.of(members, known, list, plan, settings.failback(), clock.instant()));
        boolean announcing = announceOnNextPlan || state.values().stream().anyMatch(s -> s.announce);
        if (next.owners().equals(plan) && planFrom.equals(settings.nodeName()) && !announcing) {
            return;
        }
        for (Move m : next.moves()) {
            log.info("event=vip_move vip={} from={} to={} reason={} trigger=\"{}\" view={}", m.vip(),
                    m.from() == null ? "-" : m.from(), m.to() == null ? "-" : m.to(), m.reason(),
                    why == null ? "tick" : why, view.id());
        }
        adopt(next.owners(), settings.nodeName(), planSeq + 1);
        broadcastPlan();
    }

    private void broadcastPlan() {
        ObjectNode msg = JSON.createObjectNode().put("t", "plan").put("view", view.id()).put("seq", planSeq);
        ObjectNode o = msg.putObject("owners");
        plan.forEach(o::put);
        send(msg);
    }

    /** Told when this node takes a VIP another member owned (one node per move); runs on the controller thread. */
    public interface MoveListener {
        void taken(String vip, String previousOwner, String viewId, long planSeq);
    }

    private volatile MoveListener moveListener = (vip, previous, viewId, planSeq) -> { };

    /** Set before {@link #start}; the listener must not block (hand the work to another thread). */
    public void onMove(MoveListener listener) {
        this.moveListener = listener;
    }

    private void adopt(Map<String, String> next, String from, long seq) {
        boolean changed = !next.equals(plan);
        Map<String, String> before = plan;
        plan = Map.copyOf(next);
        planFrom = from;
        planSeq = seq;
        boolean announceAll = announceOnNextPlan;
        announceOnNextPlan = false;
        next.forEach((vip, owner) -> {
            String was = before.get(vip);
            if (was != null && !was.equals(owner)) {
                moves.incrementAndGet();
                if (owner.equals(settings.nodeName())) {
                    moveListener.taken(vip, was, view.id(), seq);
                }
            }
            if (owner.equals(settings.nodeName()) && (announceAll || !owner.equals(before.get(vip)))) {
                state.get(vip).announce = true;
            }
        });
        if (changed || state.values().stream().anyMatch(s -> s.announce)) {
            log.info("event=vip_plan node={} from={} seq={} owners={} mine={}", settings.nodeName(), from, seq, next,
                    mine(next));
            requestApply();
        }
    }

    /** The VIPs {@code owners} gives this node. */
    private Set<String> mine(Map<String, String> owners) {
        Set<String> out = new LinkedHashSet<>();
        owners.forEach((vip, owner) -> {
            if (owner.equals(settings.nodeName())) {
                out.add(vip);
            }
        });
        return out;
    }

    private void send(ObjectNode msg) {
        try {
            broadcaster.accept(JSON.writeValueAsBytes(msg));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- applying (applier thread) ----------------------------------------------------------

    private void requestApply() {
        synchronized (applyLock) {
            if (applyQueued) {
                return;
            }
            applyQueued = true;
        }
        try {
            applier.execute(() -> converge(false));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            log.debug("event=vip_apply_skipped reason=closed");
        }
    }

    private void converge(boolean repair) {
        synchronized (applyLock) {
            applyQueued = false;
        }
        Map<String, String> who = plan;
        Set<String> want = mine(who);
        Instant now = clock.instant();
        if (repair) {
            refreshHeld();
        }
        long nextWakeMs = -1;
        for (ManagedVip vip : vips.values()) {
            VipState s = state.get(vip.name());
            if (s.retryAt != null && now.isBefore(s.retryAt)) {
                nextWakeMs = earliest(nextWakeMs, Duration.between(now, s.retryAt).toMillis());
                continue;
            }
            boolean mine = want.contains(vip.name());
            if (mine) {
                s.releaseAt = null;
                s.handoverSince = null;
                if (!s.held || s.announce) {
                    s.announce = false;
                    apply(vip, s, true, now);
                }
            } else if (s.held) {
                s.announce = false;
                String newOwner = who.get(vip.name());
                boolean handingOver = newOwner != null && !newOwner.equals(settings.nodeName())
                        && live.contains(newOwner);
                if (s.handoverSince == null) {
                    s.handoverSince = now;
                    driver.silence(vip.spec()); // the new owner announces; we must not race with it
                }
                if (!handingOver) {
                    s.releaseAt = now; // nobody takes it over: nothing to wait for
                } else if (s.releaseAt == null) {
                    // Make-before-break: keep answering until the new owner reports that it holds
                    // the VIP (plus the hand-over delay, for its announcement to land), or give up
                    // waiting after HANDOVER_LIMIT.
                    if (heldBy.getOrDefault(newOwner, Set.of()).contains(vip.name())) {
                        s.releaseAt = now.plus(settings.handover());
                    } else if (!now.isBefore(s.handoverSince.plus(HANDOVER_LIMIT))) {
                        log.warn("event=vip_handover_unconfirmed vip={} node={} new_owner={} waited_ms={} (releasing)",
                                vip.name(), settings.nodeName(), newOwner, HANDOVER_LIMIT.toMillis());
                        s.releaseAt = now;
                    } else {
                        nextWakeMs = earliest(nextWakeMs,
                                Duration.between(now, s.handoverSince.plus(HANDOVER_LIMIT)).toMillis());
                    }
                }
                if (s.releaseAt != null && !now.isBefore(s.releaseAt)) {
                    apply(vip, s, false, now);
                    s.releaseAt = null;
                    s.handoverSince = null;
                } else if (s.releaseAt != null) {
                    nextWakeMs = earliest(nextWakeMs, Duration.between(now, s.releaseAt).toMillis());
                }
            } else {
                s.releaseAt = null;
                s.handoverSince = null;
                s.announce = false;
            }
            if (s.retryAt != null) {
                nextWakeMs = earliest(nextWakeMs, Duration.between(now, s.retryAt).toMillis());
            }
        }
        if (nextWakeMs >= 0) {
            applier.schedule(() -> converge(false), Math.max(1, nextWakeMs), TimeUnit.MILLISECONDS);
        }
    }

    private void apply(ManagedVip vip, VipState s, boolean claim, Instant now) {
        long t0 = System.nanoTime();
        try {
            if (claim) {
                driver.claim(vip.spec());
            } else {
                driver.release(vip.spec());
            }
            s.held = claim;
            s.since = now;
            long viewAt = viewChangedAtNanos;
            if (claim && viewAt >= 0) {
                lastClaimAfterViewNanos = System.nanoTime() - viewAt;
            }
            s.failures = 0;
            s.retryAt = null;
            s.lastError = null;
            log.info("event=vip_{} vip={} node={} driver={} took_us={}", claim ? "claimed" : "released", vip.spec(),
                    settings.nodeName(), driver.name(), (System.nanoTime() - t0) / 1000);
            tellOthers();
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

    /** Broadcasts this node's health and held VIPs now (a hand-over elsewhere may wait for it). */
    private void tellOthers() {
        Controller c = controller;
        if (c == null) {
            return;
        }
        try {
            c.execute(this::announceHealth);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            log.debug("event=vip_announce_skipped reason=closed");
        }
    }

    private void refreshHeld() {
        Set<VipSpec> held;
        try {
            held = driver.held(specs());
        } catch (VipDriverException | RuntimeException e) {
            log.warn("event=vip_repair_check_failed driver={} error=\"{}\"", driver.name(), e.getMessage());
            return;
        }
        Set<String> want = mine(plan);
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

    private static long earliest(long current, long candidate) {
        return current < 0 ? candidate : Math.min(current, candidate);
    }

    private Set<VipSpec> specs() {
        Set<VipSpec> out = new LinkedHashSet<>();
        vips.values().forEach(v -> out.add(v.spec()));
        return out;
    }

    // ---- step-down and status ----------------------------------------------------------------

    /**
     * Graceful stop: reports this node unhealthy so the coordinator moves its VIPs away, waits
     * until they have been claimed elsewhere and released here (make-before-break), at most
     * {@code timeout}; then releases whatever is left. The listeners stay open meanwhile.
     *
     * @return whether every VIP was handed over within {@code timeout}
     */
    public boolean stepDown(Duration timeout) {
        if (controller == null) {
            return true; // never started: holds nothing
        }
        CountDownLatch submitted = new CountDownLatch(1);
        controller.execute(() -> {
            stepDown = true;
            onOwnHealth();
            submitted.countDown();
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean clean = false;
        try {
            submitted.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            while (System.nanoTime() < deadline) {
                if (mine(plan).isEmpty() && state.values().stream().noneMatch(s -> s.held)) {
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
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("driver", driver.name());
        Health h = reported;
        Map<String, Object> hs = new LinkedHashMap<>();
        hs.put("healthy", h.healthy() && !stepDown);
        hs.put("since", h.healthy() ? h.healthySince().toString() : null);
        hs.put("problem", stepDown ? "stepping down (stopping)" : problem);
        m.put("health", hs);
        m.put("failback", settings.failback().enabled() ? settings.failback().holdDown().toString() : "off");
        Map<String, String> who = plan;
        List<Map<String, Object>> list = new ArrayList<>();
        for (ManagedVip vip : vips.values()) {
            VipState s = state.get(vip.name());
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("address", vip.name());
            v.put("prefixLength", vip.spec().prefixLength());
            v.put("interface", vip.spec().interfaceName());
            vip.spec().elasticIp().ifPresent(e -> v.put("elasticIp", e));
            v.put("preferredOwner", vip.preferredOwner().orElse(null));
            v.put("owner", who.get(vip.name()));
            v.put("heldHere", s.held);
            v.put("since", s.since == null ? null : s.since.toString());
            v.put("lastError", s.lastError);
            list.add(v);
        }
        m.put("vips", list);
        return m;
    }

    /** The VIPs this node currently answers for (as last applied), for tests and status. */
    public Set<String> heldHere() {
        Set<String> out = new LinkedHashSet<>();
        state.forEach((vip, s) -> {
            if (s.held) {
                out.add(vip);
            }
        });
        return out;
    }

    /** VIP owner changes this node adopted from plans since it started (every node counts the same moves). */
    public long moves() {
        return moves.get();
    }

    /**
     * From the latest view change this node saw to its latest VIP claim, in nanoseconds (-1 before
     * the first claim): after a failover, how long the survivor took to answer for the VIP.
     */
    public long lastClaimAfterViewNanos() {
        return lastClaimAfterViewNanos;
    }

    /** The owner of each VIP in the latest plan this node knows. */
    public Map<String, String> owners() {
        return plan;
    }

    /** Stops checking and applying, then releases every VIP held here. */
    @Override
    public void close() {
        ticker.shutdownNow();
        applier.shutdownNow();
        try {
            applier.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ManagedVip vip : vips.values()) {
            VipState s = state.get(vip.name());
            if (s.held) {
                apply(vip, s, false, clock.instant());
            }
        }
        driver.close();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Per-VIP applier state; only the applier thread writes it. */
    private static final class VipState {
        volatile boolean held;
        volatile Instant since;
        volatile String lastError;
        volatile boolean announce;
        Instant releaseAt;
        Instant handoverSince;
        Instant retryAt;
        int failures;
    }
}
