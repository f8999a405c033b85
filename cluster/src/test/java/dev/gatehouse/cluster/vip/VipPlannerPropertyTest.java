package dev.gatehouse.cluster.vip;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the planner over random views, health, VIP lists, previous assignments and
 * histories of view changes. Members are drawn from {@code n0..n5}; {@code gone} never appears in
 * a view, so previous owners and preferences may name a member that is not there.
 */
class VipPlannerPropertyTest {

    private static final List<String> POOL = List.of("n0", "n1", "n2", "n3", "n4", "n5");
    private static final List<String> OWNERS = List.of("n0", "n1", "n2", "n3", "n4", "n5", "gone");
    private static final Instant NOW = Instant.ofEpochSecond(1_000);

    @Property
    void everyVipHasExactlyOneEligibleOwnerWhenAnyMemberIsEligible(@ForAll("inputs") PlanInput in) {
        VipPlan plan = VipPlanner.plan(in);
        boolean anyEligible = in.view().stream().anyMatch(in::eligible);
        if (anyEligible) {
            assertThat(plan.owners().keySet()).containsExactlyElementsOf(addresses(in));
            plan.owners().values().forEach(owner -> assertThat(in.eligible(owner)).as(owner).isTrue());
        } else {
            assertThat(plan.owners()).isEmpty();
        }
    }

    @Property
    void spreadIsAtMostOneUnlessOnlyPinnedVipsStandInTheWay(@ForAll("inputs") PlanInput in) {
        VipPlan plan = VipPlanner.plan(in);
        Map<String, Integer> loads = loads(in, plan);
        if (loads.isEmpty()) {
            return;
        }
        int min = loads.values().stream().min(Integer::compare).orElseThrow();
        for (Vip vip : in.vips()) {
            String owner = plan.owners().get(vip.address());
            if (loads.get(owner) >= min + 2) {
                assertThat(vip.prefers(owner)).as("%s on overloaded %s must be pinned: %s", vip, owner, loads).isTrue();
            }
        }
    }

    @Property
    void spreadIsAtMostOneWithoutPreferences(@ForAll("inputsWithoutPreferences") PlanInput in) {
        Map<String, Integer> loads = loads(in, VipPlanner.plan(in));
        if (!loads.isEmpty()) {
            int max = loads.values().stream().max(Integer::compare).orElseThrow();
            int min = loads.values().stream().min(Integer::compare).orElseThrow();
            assertThat(max - min).as("%s", loads).isLessThanOrEqualTo(1);
        }
    }

    @Property
    void vipsOfEligibleOwnersMoveOnlyToRebalanceOrFailBack(@ForAll("inputs") PlanInput in) {
        for (Move move : VipPlanner.plan(in).moves()) {
            boolean ownerEligible = move.from() != null && in.eligible(move.from());
            assertThat(move.reason() == Move.Reason.ORPHANED).as("%s", move).isEqualTo(!ownerEligible);
        }
    }

    @Property
    void rebalancesWithTheFewestMovesPossible(@ForAll("inputsWithoutPreferences") PlanInput in) {
        VipPlan plan = VipPlanner.plan(in);
        long rebalanced = plan.moves().stream().filter(m -> m.reason() == Move.Reason.REBALANCE).count();
        assertThat(rebalanced).isEqualTo(fewestRebalancingMoves(in));
    }

    @Property
    void failsBackOnlyToASettledPreferredOwnerAndAlwaysDoes(@ForAll("inputs") PlanInput in) {
        VipPlan plan = VipPlanner.plan(in);
        for (Move move : plan.moves()) {
            if (move.reason() == Move.Reason.FAILBACK) {
                assertThat(settled(in, move.to())).as("%s", move).isTrue();
            }
        }
        for (Vip vip : in.vips()) {
            String previous = in.previous().get(vip.address());
            if (previous != null && in.eligible(previous) && vip.preferredOwner().isPresent()
                    && settled(in, vip.preferredOwner().get())) {
                assertThat(plan.owners().get(vip.address())).as("%s", vip).isEqualTo(vip.preferredOwner().get());
            }
        }
    }

    @Property
    void planningAgainMovesNothing(@ForAll("inputs") PlanInput in) {
        VipPlan plan = VipPlanner.plan(in);
        VipPlan again = VipPlanner.plan(in.after(plan));
        assertThat(again.moves()).isEmpty();
        assertThat(again.owners()).isEqualTo(plan.owners());
    }

    @Property
    void isDeterministicWhateverTheMapOrder(@ForAll("inputs") PlanInput in) {
        Map<String, String> reversed = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>(in.previous().keySet());
        java.util.Collections.reverse(keys);
        keys.forEach(k -> reversed.put(k, in.previous().get(k)));
        PlanInput same = PlanInput.of(in.view(), new HashMap<>(in.health()), in.vips(), reversed, in.failback(), in.now());
        assertThat(VipPlanner.plan(same)).isEqualTo(VipPlanner.plan(in));
    }

    @Property(tries = 300)
    void historiesOfViewChangesKeepEveryInvariant(@ForAll("histories") List<PlanInput> steps) {
        Map<String, String> previous = Map.of();
        for (PlanInput step : steps) {
            PlanInput in = PlanInput.of(step.view(), step.health(), step.vips(), previous, step.failback(), step.now());
            everyVipHasExactlyOneEligibleOwnerWhenAnyMemberIsEligible(in);
            spreadIsAtMostOneUnlessOnlyPinnedVipsStandInTheWay(in);
            vipsOfEligibleOwnersMoveOnlyToRebalanceOrFailBack(in);
            failsBackOnlyToASettledPreferredOwnerAndAlwaysDoes(in);
            planningAgainMovesNothing(in);
            previous = VipPlanner.plan(in).owners();
        }
    }

    /**
     * The least number of VIPs that must leave an eligible owner to reach a spread of at most one:
     * with V VIPs over n members, r = V mod n members hold c = V/n + 1 and the others c - 1; a
     * member keeping k VIPs gives away k - c, and beyond the r largest, those keeping c or more
     * give away one more.
     */
    static long fewestRebalancingMoves(PlanInput in) {
        List<String> eligible = in.view().stream().filter(in::eligible).toList();
        if (eligible.isEmpty()) {
            return 0;
        }
        Map<String, Integer> kept = new HashMap<>();
        eligible.forEach(m -> kept.put(m, 0));
        in.previous().forEach((vip, owner) -> {
            if (kept.containsKey(owner) && addresses(in).contains(vip)) {
                kept.merge(owner, 1, Integer::sum);
            }
        });
        int v = in.vips().size();
        int n = eligible.size();
        int c = v / n + 1;
        int r = v % n;
        long excess = kept.values().stream().mapToLong(k -> Math.max(0, k - c)).sum();
        long atCeiling = kept.values().stream().filter(k -> k >= c).count();
        return excess + Math.max(0, atCeiling - r);
    }

    private static boolean settled(PlanInput in, String member) {
        return in.failback().enabled() && in.eligible(member)
                && !in.health().get(member).healthySince().plus(in.failback().holdDown()).isAfter(in.now());
    }

    private static Map<String, Integer> loads(PlanInput in, VipPlan plan) {
        Map<String, Integer> loads = new LinkedHashMap<>();
        in.view().stream().filter(in::eligible).forEach(m -> loads.put(m, 0));
        plan.owners().values().forEach(owner -> loads.merge(owner, 1, Integer::sum));
        return loads;
    }

    private static List<String> addresses(PlanInput in) {
        return in.vips().stream().map(Vip::address).toList();
    }

    @Provide
    Arbitrary<PlanInput> inputs() {
        return inputs(true);
    }

    @Provide
    Arbitrary<PlanInput> inputsWithoutPreferences() {
        return inputs(false);
    }

    @Provide
    Arbitrary<List<PlanInput>> histories() {
        return inputs(true).list().ofMinSize(1).ofMaxSize(8);
    }

    private Arbitrary<PlanInput> inputs(boolean preferences) {
        Arbitrary<List<String>> view = Arbitraries.of(POOL).list().uniqueElements().ofMaxSize(POOL.size());
        // -1: unhealthy, else healthy since that many seconds before NOW
        Arbitrary<List<Integer>> health = Arbitraries.integers().between(-1, 120).list().ofSize(POOL.size());
        Arbitrary<Integer> vipCount = Arbitraries.integers().between(0, 14);
        // per VIP: -1 no preference, else an index into OWNERS
        Arbitrary<List<Integer>> prefs = Arbitraries.integers().between(preferences ? -3 : -1, preferences ? OWNERS.size() - 1 : -1)
                .list().ofSize(14);
        // per VIP: -1 no previous owner, else an index into OWNERS
        Arbitrary<List<Integer>> previous = Arbitraries.integers().between(-1, OWNERS.size() - 1).list().ofSize(14);
        Arbitrary<Integer> holdDown = Arbitraries.integers().between(-1, 90);
        return Combinators.combine(view, health, vipCount, prefs, previous, holdDown)
                .as((v, h, count, p, prev, hold) -> build(v, h, count, p, prev, hold));
    }

    private static PlanInput build(List<String> view, List<Integer> health, int count, List<Integer> prefs,
                                   List<Integer> previous, int hold) {
        Map<String, Health> healthMap = new HashMap<>();
        for (int i = 0; i < POOL.size(); i++) {
            int s = health.get(i);
            healthMap.put(POOL.get(i), s < 0 ? Health.unhealthy() : Health.healthySince(NOW.minusSeconds(s)));
        }
        List<Vip> vips = new ArrayList<>();
        Map<String, String> prev = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String address = "198.18.0." + (10 + i);
            int p = prefs.get(i);
            vips.add(p < 0 ? Vip.of(address) : Vip.preferring(address, OWNERS.get(p)));
            if (previous.get(i) >= 0) {
                prev.put(address, OWNERS.get(previous.get(i)));
            }
        }
        Failback failback = hold < 0 ? Failback.disabled() : Failback.after(Duration.ofSeconds(hold));
        return PlanInput.of(view, healthMap, vips, prev, failback, NOW);
    }
}
