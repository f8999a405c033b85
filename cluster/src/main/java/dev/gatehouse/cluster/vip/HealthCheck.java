package dev.gatehouse.cluster.vip;

/**
 * Whether this node may own VIPs right now. Called every few hundred milliseconds from the VIP
 * manager's health thread; must answer quickly (it should read state kept by others, not do I/O
 * that can hang).
 */
@FunctionalInterface
public interface HealthCheck {

    /** Why this node may not own VIPs, or {@code null} when it may. */
    String problem();
}
