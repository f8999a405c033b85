package dev.gatehouse.cluster.vip;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Whether a VIP that lives on another member goes back to its preferred owner, and after how
 * long. The hold-down keeps a flapping preferred owner from making its VIPs bounce: it must have
 * been healthy for {@code holdDown} without interruption first.
 *
 * @param holdDown how long the preferred owner must have been healthy; {@code null} when failback
 *                 is off (preferred owners then only matter when a VIP has to be placed anyway)
 */
public record Failback(Duration holdDown) {

    private static final Failback DISABLED = new Failback(null);

    public Failback {
        if (holdDown != null && holdDown.isNegative()) {
            throw new IllegalArgumentException("holdDown: " + holdDown + " (expected: >= 0)");
        }
    }

    /** VIPs stay where they are while their owner is healthy. */
    public static Failback disabled() {
        return DISABLED;
    }

    /** VIPs go back to their preferred owner once it has been healthy for {@code holdDown}. */
    public static Failback after(Duration holdDown) {
        return new Failback(Objects.requireNonNull(holdDown, "holdDown"));
    }

    public boolean enabled() {
        return holdDown != null;
    }

    /** Whether a member healthy since {@code healthySince} may take its preferred VIPs back at {@code now}. */
    boolean settled(Instant healthySince, Instant now) {
        return enabled() && !healthySince.plus(holdDown).isAfter(now);
    }
}
