package dev.gatehouse.cluster.vip;

import java.time.Instant;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the planner looks at; nothing else (no clock, no randomness) so that every member
 * computes the same plan from the same view.
 *
 * @param view     the members of the current JGroups view, in view order (coordinator first);
 *                 the order breaks ties
 * @param health   what each member reports; a view member missing here is unhealthy
 * @param vips     the configured VIPs, in configuration order
 * @param previous the owner of each VIP in the previous plan (owners may have left the view)
 * @param failback whether and when VIPs go back to their preferred owner
 * @param now      the instant the hold-down is measured against
 */
public record PlanInput(List<String> view, Map<String, Health> health, List<Vip> vips,
                        Map<String, String> previous, Failback failback, Instant now) {

    public PlanInput {
        view = List.copyOf(view);
        health = Map.copyOf(health);
        vips = List.copyOf(vips);
        previous = Collections.unmodifiableMap(new LinkedHashMap<>(previous));
        Objects.requireNonNull(failback, "failback");
        Objects.requireNonNull(now, "now");
        Set<String> seen = new HashSet<>();
        for (String member : view) {
            if (!seen.add(member)) {
                throw new IllegalArgumentException("view: " + view + " (expected: each member once, '" + member + "' twice)");
            }
        }
        Set<String> addresses = new HashSet<>();
        for (Vip vip : vips) {
            if (!addresses.add(vip.address())) {
                throw new IllegalArgumentException("vips: " + vip.address() + " twice (expected: each VIP once)");
            }
        }
    }

    /** The input of a plan. */
    public static PlanInput of(List<String> view, Map<String, Health> health, List<Vip> vips,
                               Map<String, String> previous, Failback failback, Instant now) {
        return new PlanInput(view, health, vips, previous, failback, now);
    }

    /** The same cluster one step later: {@code plan}'s owners become the previous assignment. */
    public PlanInput after(VipPlan plan) {
        return new PlanInput(view, health, vips, plan.owners(), failback, now);
    }

    /** Whether {@code member} may own VIPs: in the view and healthy. */
    public boolean eligible(String member) {
        Health h = health.get(member);
        return h != null && h.healthy() && view.contains(member);
    }
}
