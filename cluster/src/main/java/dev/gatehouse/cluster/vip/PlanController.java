package dev.gatehouse.cluster.vip;

import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import dev.gatehouse.cluster.membership.Controller;
import dev.gatehouse.cluster.membership.MembershipView;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions, on the membership {@link Controller} thread, one at a time: keeps the view and
 * every member's reported health, plans when this node is the view's coordinator (its first member)
 * and broadcasts the plan, and otherwise adopts the coordinator's. One decider means one plan even
 * when members learn of a health change at slightly different moments; the planner is still a pure
 * function of the view, the members' health and the previous plan, so when the coordinator dies the
 * next one (every member holds the last plan) continues from the same point. A member alone in its
 * view is its own coordinator and takes every VIP; after a heal, MERGE3's view has one coordinator,
 * which keeps each VIP with its previous owner on its side, and the keeper announces it again.
 *
 * <p>Threads: every field is written on the controller thread only (checked by {@link ThreadOwner}).
 * The applier learns of decisions only through the {@link Target} published here; other threads read
 * {@link #owners}, {@link #steppingDown} and {@link #moves}.
 */
final class PlanController {

    private static final Logger log = LoggerFactory.getLogger(PlanController.class);

    private final VipSettings settings;
    /** The configured VIPs' names: a plan from the coordinator is read for these only. */
    private final Set<String> vipNames;
    private final Clock clock;
    private final HealthReporter self;
    private final Applier applier;
    private final ScheduledExecutorService timers;
    private final ThreadOwner owner = ThreadOwner.of("VIP controller");
    private volatile Controller controller;
    private volatile Consumer<byte[]> broadcaster = b -> { };
    private volatile VipManager.MoveListener moveListener = (vip, previous, viewId, planSeq) -> { };

    private MembershipView view = MembershipView.none();
    private long viewChangedAtNanos = -1;
    private final Map<String, Health> health = new HashMap<>();
    /** When each member of the view appeared in it, as this node saw it (continuous presence). */
    private final Map<String, Instant> inViewSince = new HashMap<>();
    /** The view each member last reported from (a member newly in ours is told the plan at once). */
    private final Map<String, String> viewOf = new HashMap<>();
    /** The VIPs each member reported holding, in reports made in our view. */
    private final Map<String, Set<String>> heldBy = new HashMap<>();
    private final Map<String, Long> announceRequests = new HashMap<>();
    private volatile Map<String, String> plan = Map.of();
    private String planFrom = "";
    private long planSeq;
    private volatile boolean stepDown;
    private boolean announceOnNextPlan;
    private String awaitingHealthSince;
    private final AtomicLong moves = new AtomicLong();
    private Target published = Target.NONE;

    PlanController(VipSettings settings, Clock clock, HealthReporter self, Applier applier,
                   ScheduledExecutorService timers) {
        this.settings = settings;
        this.vipNames = settings.vips().stream().map(ManagedVip::name).collect(Collectors.toUnmodifiableSet());
        this.clock = clock;
        this.self = self;
        this.applier = applier;
        this.timers = timers;
    }

    void start(Controller controller, Consumer<byte[]> broadcaster) {
        this.controller = controller;
        this.broadcaster = broadcaster;
    }

    void onMove(VipManager.MoveListener listener) {
        this.moveListener = listener;
    }

    void viewChanged(MembershipView next) {
        assert owner.isCurrent() : owner.violation();
        viewChangedAtNanos = System.nanoTime();
        view = next;
        awaitingHealthSince = null;
        health.keySet().retainAll(next.names());
        viewOf.keySet().retainAll(next.names());
        heldBy.keySet().retainAll(next.names());
        inViewSince.keySet().retainAll(next.names());
        Instant now = clock.instant();
        next.names().forEach(m -> inViewSince.putIfAbsent(m, now));
        publish(false);
        if (next.merged()) {
            // Both sides of a healed partition may hold VIPs and neighbours may point at either:
            // whoever keeps a VIP under the first plan of the merged view announces it again.
            // (Not before: a member that has not heard the new coordinator yet would announce
            // VIPs it is about to give up.)
            announceOnNextPlan = true;
        }
        announceHealth();
        if (!isCoordinator()) {
            return;
        }
        List<String> unknown = next.names().stream().filter(m -> !health.containsKey(m)).toList();
        if (next.merged() && !unknown.isEmpty()) {
            // Members from the other side of a healed partition still hold VIPs and have not
            // reported their health to us yet: planning now would take their VIPs away and give
            // them back a moment later. Wait for their reports (onHealth replans), at most one
            // announce interval.
            awaitingHealthSince = next.id();
            log.info("event=vip_plan_deferred view={} waiting_for={}", next.id(), unknown);
            timers.schedule(() -> controller.execute(() -> planIfStillWaiting(next, unknown)),
                    settings.announce().toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        replan("view " + next.id());
    }

    private void planIfStillWaiting(MembershipView deferred, List<String> unknown) {
        assert owner.isCurrent() : owner.violation();
        if (deferred.id().equals(awaitingHealthSince)) {
            awaitingHealthSince = null;
            replan("view " + deferred.id() + " (health of " + unknown + " not heard)");
        }
    }

    void messageReceived(String from, byte[] payload) {
        assert owner.isCurrent() : owner.violation();
        VipMessage msg;
        try {
            msg = VipMessage.read(payload);
        } catch (InvalidTypeIdException e) {
            log.warn("event=vip_message_ignored from={} reason=\"unknown type '{}'\"", from, e.getTypeId());
            return;
        } catch (IOException e) {
            log.warn("event=vip_message_ignored from={} reason=\"not a VIP message: {}\"", from, e.getMessage());
            return;
        }
        if (msg instanceof VipMessage.HealthReport h) {
            onHealth(from, h);
        } else if (msg instanceof VipMessage.PlanBroadcast p) {
            onPlan(from, p);
        } else {
            log.warn("event=vip_message_ignored from={} reason=\"unknown type\"", from);
        }
    }

    private void onHealth(String from, VipMessage.HealthReport msg) {
        if (!view.contains(from)) {
            return;
        }
        Health h = msg.healthy()
                ? Health.healthySince(Instant.ofEpochMilli(msg.since() == null ? 0 : msg.since()))
                : Health.unhealthy();
        Health old = health.put(from, h);
        // Only a report made in our view counts as taking a VIP over: after a partition the other
        // side holds the VIP too, but announces it only under the merged view's plan.
        boolean inMyView = msg.view().equals(view.id());
        Set<String> theirs = inMyView ? Set.copyOf(msg.serving()) : Set.of(); // drained ones may be claimed
        Set<String> before = heldBy.put(from, theirs);
        publish(!theirs.equals(before)); // a hand-over here may be waiting for exactly this
        boolean newlyInMyView = inMyView && !msg.view().equals(viewOf.put(from, msg.view()));
        if (!isCoordinator()) {
            return;
        }
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

    private void onPlan(String from, VipMessage.PlanBroadcast msg) {
        if (view.coordinator().map(c -> !c.name().equals(from)).orElse(true)) {
            log.debug("event=vip_plan_ignored from={} coordinator={}", from, view.coordinator());
            return;
        }
        Map<String, String> next = new HashMap<>(msg.owners());
        next.keySet().retainAll(vipNames);
        adopt(next, from, msg.seq());
    }

    /** This node's health changed (the ticker saw it, or a step-down began). */
    void onOwnHealth() {
        assert owner.isCurrent() : owner.violation();
        health.put(settings.nodeName(), effectiveHealth());
        announceHealth();
        if (isCoordinator() && (awaitingHealthSince == null || stepDown)) {
            replan("own health " + (effectiveHealth().healthy() ? "ok" : "not ok"));
        }
    }

    /** Every {@code announce} interval: re-send health and, on the coordinator, the plan. */
    void onTick() {
        assert owner.isCurrent() : owner.violation();
        health.put(settings.nodeName(), effectiveHealth());
        announceHealth();
        if (isCoordinator() && awaitingHealthSince == null) {
            replan(null);
            broadcastPlan();
        }
    }

    /** A graceful stop begins: from now on this node reports itself unhealthy. */
    void stepDown() {
        assert owner.isCurrent() : owner.violation();
        stepDown = true;
        onOwnHealth();
    }

    /** Broadcasts this node's health and held VIPs now (a hand-over elsewhere may wait for it). */
    void announceHealth() {
        assert owner.isCurrent() : owner.violation();
        Health h = effectiveHealth();
        health.put(settings.nodeName(), h);
        send(VipMessage.HealthReport.of(view.id(), h, List.copyOf(applier.heldHere()), List.copyOf(applier.drainedHere())));
    }

    private Health effectiveHealth() {
        return stepDown ? Health.unhealthy() : self.reported();
    }

    private boolean isCoordinator() {
        return view.coordinator().map(c -> c.name().equals(settings.nodeName())).orElse(false);
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
        List<Vip> list = settings.vips().stream().map(ManagedVip::forPlanner).toList(); // in configuration order
        VipPlan next = VipPlanner.plan(PlanInput.of(members, known, list, plan, settings.failback(), clock.instant()));
        boolean announcing = announceOnNextPlan || applier.announcing(published);
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
        send(VipMessage.PlanBroadcast.of(view.id(), planSeq, plan));
    }

    private void adopt(Map<String, String> next, String from, long seq) {
        boolean changed = !next.equals(plan);
        Map<String, String> before = plan;
        plan = Map.copyOf(next);
        planFrom = from;
        planSeq = seq;
        boolean announceAll = announceOnNextPlan;
        announceOnNextPlan = false;
        String me = settings.nodeName();
        next.forEach((vip, owner) -> {
            String was = before.get(vip);
            if (was != null && !was.equals(owner)) {
                moves.incrementAndGet();
                if (owner.equals(me)) {
                    moveListener.taken(vip, was, view.id(), seq);
                }
            }
            if (owner.equals(me) && (announceAll || !owner.equals(was))) {
                announceRequests.merge(vip, 1L, Long::sum);
            }
        });
        Target t = target();
        boolean apply = changed || applier.announcing(t);
        if (apply) {
            log.info("event=vip_plan node={} from={} seq={} owners={} mine={}", me, from, seq, next, t.mine(me));
        }
        published = t;
        applier.offer(t, apply);
    }

    /** Hands the current decisions to the applier; with {@code apply}, it makes a pass. */
    private void publish(boolean apply) {
        published = target();
        applier.offer(published, apply);
    }

    private Target target() {
        return new Target(plan, Set.copyOf(view.names()), heldBy, announceRequests, viewChangedAtNanos);
    }

    private void send(VipMessage msg) {
        broadcaster.accept(VipMessage.write(msg));
    }

    /** The owner of each VIP in the latest plan this node adopted; any thread. */
    Map<String, String> owners() {
        return plan;
    }

    /** Whether a graceful stop has begun; any thread. */
    boolean steppingDown() {
        return stepDown;
    }

    /** VIP owner changes adopted from plans since start (every node counts the same moves); any thread. */
    long moves() {
        return moves.get();
    }
}
