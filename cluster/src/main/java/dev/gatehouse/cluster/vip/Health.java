package dev.gatehouse.cluster.vip;

import java.time.Instant;
import java.util.Objects;

/**
 * What a member reports about itself: whether it may own VIPs (listeners answer, certificate
 * snapshot loaded) and since when it has been so without interruption. The instant is the
 * failback hold-down state: a preferred owner takes its VIPs back only once it has been healthy
 * for the hold-down duration.
 *
 * @param healthy      whether the member may own VIPs
 * @param healthySince when it last became healthy; {@code null} when unhealthy
 */
public record Health(boolean healthy, Instant healthySince) {

    private static final Health UNHEALTHY = new Health(false, null);

    public Health {
        if (healthy) {
            Objects.requireNonNull(healthySince, "healthySince");
        } else if (healthySince != null) {
            throw new IllegalArgumentException("healthySince: " + healthySince + " (expected: null when unhealthy)");
        }
    }

    /** Healthy without interruption since {@code since}. */
    public static Health healthySince(Instant since) {
        return new Health(true, since);
    }

    /** May not own VIPs. */
    public static Health unhealthy() {
        return UNHEALTHY;
    }
}
