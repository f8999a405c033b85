package dev.gatehouse.cluster.vip;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides which member owns each VIP. A pure, deterministic function of {@link PlanInput}: every
 * member of a view computes the same plan, so the view alone decides ownership and no extra round
 * of messages is needed.
 *
 * <p>The rule, in four steps (members considered are the <em>eligible</em> ones: in the view and
 * healthy; ties always go to view order, VIPs are visited in configuration order):
 * <ol>
 *   <li><b>Keep.</b> A VIP whose previous owner is eligible stays with it.</li>
 *   <li><b>Failback</b> (only when {@link Failback} is enabled). A VIP whose preferred owner is
 *       eligible and has been healthy for the hold-down moves to it.</li>
 *   <li><b>Orphans.</b> A VIP without an eligible owner (new, or its owner left the view or became
 *       unhealthy) goes to its preferred owner if that one is eligible (no hold-down: the VIP has
 *       to move anyway), else to the eligible member owning the fewest VIPs (earliest in view
 *       order on a tie).</li>
 *   <li><b>Rebalance.</b> While some member owns at least two VIPs more than the least loaded one
 *       and owns a <em>movable</em> VIP (one not sitting on its preferred owner), one VIP moves from
 *       the most loaded such member (latest in view order on a tie) to the least loaded member.
 *       The VIP chosen is, in order: one already moving in this plan (an orphan: moving it again
 *       costs nothing), one that prefers the receiving member, one without a preference, any
 *       other; the last in configuration order among equals.</li>
 * </ol>
 *
 * <p>Consequences, checked by property tests: every VIP has exactly one owner whenever a member is
 * eligible and none otherwise; the spread (most minus fewest VIPs) is at most one unless only VIPs
 * pinned to their preferred owner stand in the way; a VIP whose owner stays eligible moves only to
 * rebalance (as few as the balance needs) or to fail back; planning twice gives the same plan.
 */
public final class VipPlanner {

    private VipPlanner() {
    }

    /** The owner of each VIP for {@code in}. */
    public static VipPlan plan(PlanInput in) {
        List<String> eligible = in.view().stream().filter(in::eligible).toList();
        Map<String, String> owners = new LinkedHashMap<>();
        Map<String, Move.Reason> reasons = new HashMap<>();
        if (eligible.isEmpty()) {
            return VipPlan.of(owners, diff(in, owners, reasons));
        }
        Loads loads = new Loads(eligible);

        for (Vip vip : in.vips()) {
            String previous = in.previous().get(vip.address());
            if (previous != null && loads.contains(previous)) {
                owners.put(vip.address(), previous);
                loads.add(previous);
            }
        }

        if (in.failback().enabled()) {
            for (Vip vip : in.vips()) {
                String current = owners.get(vip.address());
                Optional<String> preferred = vip.preferredOwner();
                if (current != null && preferred.isPresent() && !current.equals(preferred.get())
                        && loads.contains(preferred.get())
                        && in.failback().settled(in.health().get(preferred.get()).healthySince(), in.now())) {
                    loads.remove(current);
                    owners.put(vip.address(), preferred.get());
                    loads.add(preferred.get());
                    reasons.put(vip.address(), Move.Reason.FAILBACK);
                }
            }
        }

        for (Vip vip : in.vips()) {
            if (!owners.containsKey(vip.address())) {
                String to = vip.preferredOwner().filter(loads::contains).orElseGet(loads::leastLoaded);
                owners.put(vip.address(), to);
                loads.add(to);
                reasons.put(vip.address(), Move.Reason.ORPHANED);
            }
        }

        rebalance(in.vips(), owners, reasons, loads);
        return VipPlan.of(orderedLike(in.vips(), owners), diff(in, owners, reasons));
    }

    private static void rebalance(List<Vip> vips, Map<String, String> owners, Map<String, Move.Reason> reasons,
                                  Loads loads) {
        while (true) {
            String receiver = loads.leastLoaded();
            int floor = loads.of(receiver);
            Vip chosen = null;
            String donor = null;
            for (String member : loads.byDescendingLoad()) {
                if (loads.of(member) < floor + 2) {
                    break;
                }
                chosen = pickMovable(vips, owners, reasons, member, receiver);
                if (chosen != null) {
                    donor = member;
                    break;
                }
            }
            if (chosen == null) {
                return;
            }
            loads.remove(donor);
            owners.put(chosen.address(), receiver);
            loads.add(receiver);
            reasons.putIfAbsent(chosen.address(), Move.Reason.REBALANCE);
        }
    }

    /** The VIP of {@code donor} to hand to {@code receiver}, or null when all are pinned. */
    private static Vip pickMovable(List<Vip> vips, Map<String, String> owners, Map<String, Move.Reason> reasons,
                                   String donor, String receiver) {
        Vip best = null;
        int bestRank = Integer.MAX_VALUE;
        for (Vip vip : vips) {
            if (!donor.equals(owners.get(vip.address())) || vip.prefers(donor)) {
                continue;
            }
            int rank;
            if (reasons.containsKey(vip.address())) {
                rank = 0;
            } else if (vip.prefers(receiver)) {
                rank = 1;
            } else if (vip.preferredOwner().isEmpty()) {
                rank = 2;
            } else {
                rank = 3;
            }
            if (rank <= bestRank) {
                best = vip;
                bestRank = rank;
            }
        }
        return best;
    }

    private static Map<String, String> orderedLike(List<Vip> vips, Map<String, String> owners) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Vip vip : vips) {
            out.put(vip.address(), owners.get(vip.address()));
        }
        return out;
    }

    private static List<Move> diff(PlanInput in, Map<String, String> owners, Map<String, Move.Reason> reasons) {
        List<Move> moves = new ArrayList<>();
        for (Vip vip : in.vips()) {
            String from = in.previous().get(vip.address());
            String to = owners.get(vip.address());
            if (from == null ? to == null : from.equals(to)) {
                continue;
            }
            Move.Reason reason = from == null || !in.eligible(from)
                    ? Move.Reason.ORPHANED
                    : reasons.getOrDefault(vip.address(), Move.Reason.REBALANCE);
            moves.add(new Move(vip.address(), from, to, reason));
        }
        return moves;
    }

    /** VIP counts per eligible member, with view order kept for tie-breaks. */
    private static final class Loads {
        private final List<String> order;
        private final Map<String, Integer> counts = new HashMap<>();

        Loads(List<String> eligible) {
            this.order = eligible;
            eligible.forEach(m -> counts.put(m, 0));
        }

        boolean contains(String member) {
            return counts.containsKey(member);
        }

        int of(String member) {
            return counts.get(member);
        }

        void add(String member) {
            counts.merge(member, 1, Integer::sum);
        }

        void remove(String member) {
            counts.merge(member, -1, Integer::sum);
        }

        /** Fewest VIPs; the earliest in view order on a tie. */
        String leastLoaded() {
            String best = order.get(0);
            for (String m : order) {
                if (counts.get(m) < counts.get(best)) {
                    best = m;
                }
            }
            return best;
        }

        /** Most VIPs first; the latest in view order first on a tie. */
        List<String> byDescendingLoad() {
            List<String> out = new ArrayList<>(order);
            java.util.Collections.reverse(out);
            out.sort((a, b) -> Integer.compare(counts.get(b), counts.get(a)));
            return out;
        }
    }
}
