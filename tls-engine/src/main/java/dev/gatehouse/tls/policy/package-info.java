/**
 * Per-hostname client policy structures: IP allow/deny sets ({@link dev.gatehouse.tls.policy.CidrSet}) and per-client
 * token buckets ({@link dev.gatehouse.tls.policy.ClientRateLimiter}), both made to be called from every event loop.
 */
package dev.gatehouse.tls.policy;
