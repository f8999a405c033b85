/**
 * Who owns which virtual IP: {@link dev.gatehouse.cluster.vip.VipPlanner} maps a view (ordered
 * members, their health, the configured VIPs with optional preferred owners, the previous
 * assignment and the failback hold-down state) to an owner per VIP. Pure and deterministic, so
 * every member computes the same plan; the exact rule is on {@code VipPlanner}.
 */
package dev.gatehouse.cluster.vip;
