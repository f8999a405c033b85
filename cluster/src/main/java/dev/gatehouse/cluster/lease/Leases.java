package dev.gatehouse.cluster.lease;

import java.time.Duration;
import java.util.Optional;

/**
 * Named, time-bounded leases: at most one owner holds a lease until it expires, and only the
 * holder extends it. Used so that exactly one node of a cluster runs the ACME scheduler. The
 * holder must finish (or stop) any work it started under the lease before the lease expires; the
 * work itself is written so that a successor can resume it (ACME orders keep their URL).
 *
 * <p>Expiry is wall-clock: nodes' clocks are assumed to agree to well within the TTL (NTP).
 */
public interface Leases {

    /**
     * Takes lease {@code name} for {@code owner} (or extends it when {@code owner} already holds
     * it) until now + {@code ttl}. One compare-and-set, never blocks for long, never loops.
     *
     * @return true when {@code owner} holds the lease on return
     */
    boolean tryAcquire(String name, String owner, Duration ttl);

    /** Gives the lease up if {@code owner} holds it (orderly shutdown), so a successor need not wait. */
    void release(String name, String owner);

    /** Who holds a lease now, if anyone (expired leases are reported as not held). */
    Optional<Holder> holder(String name);

    /** A lease holder and when its lease ends (epoch milliseconds). */
    record Holder(String owner, long expiresAt) {

        String encode() {
            return owner + "|" + expiresAt;
        }

        static Holder decode(String s) {
            int bar = s == null ? -1 : s.lastIndexOf('|');
            if (bar < 0) {
                return new Holder("?", 0);
            }
            try {
                return new Holder(s.substring(0, bar), Long.parseLong(s.substring(bar + 1)));
            } catch (NumberFormatException e) {
                return new Holder("?", 0);
            }
        }
    }
}
