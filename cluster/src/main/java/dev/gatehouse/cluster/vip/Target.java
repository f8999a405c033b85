package dev.gatehouse.cluster.vip;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the controller thread wants the applier thread to make true, as one immutable snapshot: the
 * controller replaces it whole, the applier reads it once per pass. Because the plan and the
 * announcement requests travel together, a pass over an older plan can only retire the requests
 * made under that plan, never one made under a newer plan that it has not seen.
 *
 * @param owners             the adopted plan: the owner of each VIP
 * @param live               the members of the current view (a hand-over waits only for a live one)
 * @param heldBy             the VIPs each member reported serving (held and not drained for a hand-over),
 *                           in reports made in this view
 * @param announce           per VIP, how many announcements the controller has asked for so far (a
 *                           counter that only grows; the applier remembers the last one it made)
 * @param viewChangedAtNanos {@link System#nanoTime()} of the latest view change, -1 before the first
 */
record Target(Map<String, String> owners, Set<String> live, Map<String, Set<String>> heldBy,
              Map<String, Long> announce, long viewChangedAtNanos) {

    static final Target NONE = new Target(Map.of(), Set.of(), Map.of(), Map.of(), -1);

    Target {
        owners = Map.copyOf(owners);
        live = Set.copyOf(live);
        heldBy = Map.copyOf(heldBy);
        announce = Map.copyOf(announce);
    }

    /** The VIPs this plan gives {@code node}. */
    Set<String> mine(String node) {
        return mine(owners, node);
    }

    /** The announcements asked for {@code vip} so far. */
    long announcements(String vip) {
        return announce.getOrDefault(vip, 0L);
    }

    /** The VIPs {@code owners} gives {@code node}. */
    static Set<String> mine(Map<String, String> owners, String node) {
        Set<String> out = new LinkedHashSet<>();
        owners.forEach((vip, owner) -> {
            if (owner.equals(node)) {
                out.add(vip);
            }
        });
        return out;
    }
}
