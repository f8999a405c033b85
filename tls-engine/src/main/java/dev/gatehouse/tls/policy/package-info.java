/**
 * Per-hostname client policy data structures: IP allow/deny sets ({@link dev.gatehouse.tls.policy.CidrSet}) and
 * per-client token buckets ({@link dev.gatehouse.tls.policy.ClientRateLimiter}), built to be read from every event loop.
 */
package dev.gatehouse.tls.policy;
