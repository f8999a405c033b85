package dev.gatehouse.cluster.vip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Tables of cases for the planner. Notation: members {@code a b c}; {@code b@90} is healthy since
 * t=90 s (plain {@code b}: since t=0), members of the view not listed are unhealthy; VIP
 * {@code v1:b} prefers {@code b}; assignments are {@code vip=owner}; {@code -} is empty; the plan
 * is made at t=100 s; hold-down {@code -1} means failback off.
 */
class VipPlannerTest {

    static final Instant NOW = Instant.ofEpochSecond(100);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        # case                                | view  | healthy   | vips                 | previous                        | hold | expected
        spreadsFreshVipsEvenly                | a b c | a b c     | v1 v2 v3 v4 v5 v6    | -                               | -1   | v1=a v2=b v3=c v4=a v5=b v6=c
        movesOnlyTheVipsOfALeavingMember      | a b   | a b       | v1 v2 v3 v4 v5 v6    | v1=a v2=b v3=c v4=a v5=b v6=c   | -1   | v1=a v2=b v3=a v4=a v5=b v6=b
        movesOnlyWhatBalanceNeedsOnJoin       | a b c | a b c     | v1 v2 v3 v4 v5 v6    | v1=a v2=b v3=a v4=a v5=b v6=b   | -1   | v1=a v2=b v3=a v4=c v5=b v6=c
        movesVipWhenOwnerBecomesUnhealthy     | a b c | a b       | v1 v2                | v1=c v2=c                       | -1   | v1=a v2=b
        ownsNothingWhenNobodyIsHealthy        | a b   | -         | v1 v2                | v1=a v2=b                       | -1   | -
        ownsNothingInAnEmptyView              | -     | -         | v1                   | v1=a                            | -1   | -
        keepsVipsWhenSpreadIsAlreadyEven      | a b c | a b c     | v1 v2 v3 v4          | v1=c v2=c v3=b v4=a             | -1   | v1=c v2=c v3=b v4=a
        ignoresHealthyMemberOutsideTheView    | a     | a b       | v1 v2                | v1=b v2=a                       | -1   | v1=a v2=a
        placesOrphanOnPreferredOwner          | a b   | a b       | v1:b v2              | -                               | -1   | v1=b v2=a
        leavesVipWhereItIsWithoutFailback     | a b   | a b       | v1:b v2              | v1=a v2=b                       | -1   | v1=a v2=b
        rebalanceHandsPreferredOwnerItsVip    | a b   | a b       | v1:b v2              | v1=a v2=a                       | -1   | v1=b v2=a
        waitsForTheHoldDownBeforeFailback     | a b   | a b@90    | v1:b v2              | v1=a v2=b                       | 30   | v1=a v2=b
        failsBackOnceHoldDownElapsed          | a b   | a b@70    | v1:b v2              | v1=a v2=b                       | 30   | v1=b v2=a
        pinnedVipsMayLeaveTheSpreadUneven     | a b   | a b       | v1:a v2:a v3:a       | -                               | -1   | v1=a v2=a v3=a
        rebalancesAroundPinnedVips            | a b c | a b c     | v1:a v2:a v3 v4      | v1=a v2=a v3=a v4=a             | -1   | v1=a v2=a v3=c v4=b
        ignoresPreferenceForAbsentMember      | a b   | a b       | v1:z v2              | -                               | 0    | v1=a v2=b
        """)
    void plansLikeTheTable(String name, String view, String healthy, String vips, String previous, int hold,
                           String expected) {
        PlanInput in = input(view, healthy, vips, previous, hold);
        VipPlan plan = VipPlanner.plan(in);
        assertThat(plan.owners()).as(name).containsExactlyEntriesOf(assignment(expected));
        assertThat(VipPlanner.plan(in.after(plan)).moves()).as("stable: planning again moves nothing").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        # case                        | view  | healthy | vips        | previous        | hold | expected moves
        newVipIsOrphaned              | a     | a       | v1          | -               | -1   | v1:-:a:ORPHANED
        leavingOwnerOrphansItsVips    | a b   | a b     | v1 v2 v3    | v1=a v2=c v3=b  | -1   | v2:c:a:ORPHANED
        joinerReceivesRebalancedVip   | a b   | a b     | v1 v2       | v1=a v2=a       | -1   | v2:a:b:REBALANCE
        preferredOwnerGetsItBack      | a b   | a b@0   | v1:b v2     | v1=a v2=b       | 10   | v1:a:b:FAILBACK v2:b:a:REBALANCE
        lastOwnerGoneLeavesNoOwner    | a     | -       | v1          | v1=a            | -1   | v1:a:-:ORPHANED
        """)
    void explainsEveryMove(String name, String view, String healthy, String vips, String previous, int hold,
                           String expected) {
        VipPlan plan = VipPlanner.plan(input(view, healthy, vips, previous, hold));
        List<Move> moves = new ArrayList<>();
        for (String m : words(expected)) {
            String[] p = m.split(":");
            moves.add(new Move(p[0], dash(p[1]), dash(p[2]), Move.Reason.valueOf(p[3])));
        }
        assertThat(plan.moves()).as(name).containsExactlyElementsOf(moves);
    }

    @Test
    void rejectsDuplicateMembersAndVips() {
        assertThatThrownBy(() -> input("a a", "a", "v1", "-", -1))
                .hasMessageContaining("view: [a, a]");
        assertThatThrownBy(() -> input("a", "a", "v1 v1", "-", -1))
                .hasMessageContaining("vips: v1 twice");
        assertThatThrownBy(() -> Failback.after(Duration.ofSeconds(-1)))
                .hasMessageContaining("holdDown: PT-1S");
    }

    @Test
    void answersOwnerQueries() {
        VipPlan plan = VipPlanner.plan(input("a b", "a b", "v1 v2 v3", "-", -1));
        assertThat(plan.ownerOf("v2")).contains("b");
        assertThat(plan.ownerOf("v9")).isEmpty();
        assertThat(plan.ownedBy("a")).containsExactly("v1", "v3");
    }

    static PlanInput input(String view, String healthy, String vips, String previous, int hold) {
        Map<String, Health> health = new HashMap<>();
        for (String h : words(healthy)) {
            String[] p = h.split("@");
            health.put(p[0], Health.healthySince(Instant.ofEpochSecond(p.length > 1 ? Long.parseLong(p[1]) : 0)));
        }
        List<Vip> list = new ArrayList<>();
        for (String v : words(vips)) {
            String[] p = v.split(":");
            list.add(p.length > 1 ? Vip.preferring(p[0], p[1]) : Vip.of(p[0]));
        }
        Failback failback = hold < 0 ? Failback.disabled() : Failback.after(Duration.ofSeconds(hold));
        return PlanInput.of(words(view), health, list, assignment(previous), failback, NOW);
    }

    static Map<String, String> assignment(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : words(text)) {
            String[] p = pair.split("=");
            out.put(p[0], p[1]);
        }
        return out;
    }

    static List<String> words(String text) {
        return text.equals("-") ? List.of() : Arrays.asList(text.trim().split("\\s+"));
    }

    private static String dash(String s) {
        return s.equals("-") ? null : s;
    }
}
