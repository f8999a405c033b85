package dev.gatehouse.cluster.vip;

import java.util.Objects;

/**
 * One VIP changing hands in a plan.
 *
 * @param vip    the VIP's address
 * @param from   the previous owner, or {@code null} when it had none
 * @param to     the new owner, or {@code null} when no member is healthy
 * @param reason why it moved
 */
public record Move(String vip, String from, String to, Reason reason) {

    /** Why a VIP moved; the planner moves a VIP for no other reason. */
    public enum Reason {
        /** Newly configured, or its owner left the view or became unhealthy. */
        ORPHANED,
        /** Taken from the most loaded member to even out the spread. */
        REBALANCE,
        /** Back to its preferred owner after the hold-down. */
        FAILBACK
    }

    public Move {
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(reason, "reason");
    }
}
