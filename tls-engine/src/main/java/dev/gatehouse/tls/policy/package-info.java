/**
 * Per-hostname client policy structures: IP allow/deny sets ({@link dev.gatehouse.tls.policy.CidrSet}) and per-client
 * token buckets ({@link dev.gatehouse.tls.policy.ClientRateLimiter}), both made to be called from every event loop.
 *
 * <p>They serve the hostname policies: one compiled {@link dev.gatehouse.tls.policy.HostPolicy} per name, looked up
 * in a {@link dev.gatehouse.tls.policy.PolicyIndex} (exact name, then one-label wildcard) and cached per connection
 * ({@link dev.gatehouse.tls.policy.ConnectionPolicy}); a name without a policy costs one volatile read per lookup.
 */
package dev.gatehouse.tls.policy;
