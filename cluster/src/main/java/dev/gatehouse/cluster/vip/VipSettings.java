package dev.gatehouse.cluster.vip;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How the VIP manager behaves.
 *
 * @param nodeName       this node's member name (as in the JGroups view)
 * @param vips           the VIPs, in configuration order (the same list on every node)
 * @param failback       whether VIPs return to their preferred owner, and the hold-down
 * @param settle         how long this node's checks must pass without interruption before it
 *                       reports itself healthy: a node that flaps never receives VIPs
 * @param healthInterval how often the health check runs
 * @param announce       how often health (and, on the coordinator, the plan) is re-sent, so a
 *                       member that missed a message converges, and how often the failback
 *                       hold-down is re-evaluated
 * @param repair         how often the driver's real state is compared with the plan and repaired
 * @param handover       how long a VIP that moves to another live member stays here after that
 *                       member was told to claim it (make-before-break: connections that reach
 *                       this node before the gratuitous ARP lands are still answered)
 */
public record VipSettings(String nodeName, List<ManagedVip> vips, Failback failback, Duration settle,
                          Duration healthInterval, Duration announce, Duration repair, Duration handover) {

    public VipSettings {
        Objects.requireNonNull(nodeName, "nodeName");
        vips = List.copyOf(vips);
        Objects.requireNonNull(failback, "failback");
        positive("settle", settle, true);
        positive("healthInterval", healthInterval, false);
        positive("announce", announce, false);
        positive("repair", repair, false);
        positive("handover", handover, true);
        Set<String> seen = new HashSet<>();
        for (ManagedVip v : vips) {
            if (!seen.add(v.name())) {
                throw new IllegalArgumentException("vips: " + v.name() + " twice (expected: each VIP once)");
            }
        }
    }

    /** Defaults: settle 2 s, health every 200 ms, announce every 1 s, repair every 2 s, handover 300 ms. */
    public static VipSettings defaults(String nodeName, List<ManagedVip> vips, Failback failback) {
        return new VipSettings(nodeName, vips, failback, Duration.ofSeconds(2), Duration.ofMillis(200),
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(300));
    }

    public VipSettings withSettle(Duration d) {
        return new VipSettings(nodeName, vips, failback, d, healthInterval, announce, repair, handover);
    }

    public VipSettings withHandover(Duration d) {
        return new VipSettings(nodeName, vips, failback, settle, healthInterval, announce, repair, d);
    }

    private static void positive(String name, Duration d, boolean zeroAllowed) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: " + (zeroAllowed ? ">= 0" : "> 0") + ")");
        }
    }
}
