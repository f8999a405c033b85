package dev.gatehouse.appliance.acme;

import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * When to renew a certificate. When the CA offers ACME Renewal Information (RFC 9773 §4.2), its
 * suggested window decides: a random instant inside it (§4.2: spreading renewals keeps a fleet
 * from stampeding the CA), at once when the window has already passed. Otherwise the lifetime
 * rule: {@code acme.renewBefore} before expiry when shorter than the lifetime, else at two
 * thirds of it; a short-lived certificate (at most {@value #SHORT_LIVED_DAYS} days, such as the
 * 6-day certificates of Let's Encrypt's {@code shortlived} profile) is renewed with at least a
 * third of its life left whatever {@code renewBefore} says, because a day of margin is most of
 * such a certificate's life and one failed attempt would let it expire.
 */
final class RenewalTime {

    static final int SHORT_LIVED_DAYS = 10;
    private static final long SHORT_LIVED = Duration.ofDays(SHORT_LIVED_DAYS).toMillis();

    /** The window the CA suggests (RFC 9773 §4.2), epoch milliseconds, {@code start < end}. */
    record Window(long start, long end) {
        static Window of(Instant start, Instant end) {
            return start == null || end == null || !end.isAfter(start) ? null
                    : new Window(start.toEpochMilli(), end.toEpochMilli());
        }
    }

    /** What was decided and why (logged as {@code renewal_rule}). */
    record Decision(long at, String rule) {
    }

    private RenewalTime() {
    }

    static Decision decide(long notBefore, long notAfter, Duration renewBefore, Window ari, long now,
            RandomGenerator random) {
        if (ari != null) {
            if (ari.end() <= now) {
                return new Decision(now, "ari-overdue");
            }
            long from = Math.max(ari.start(), now);
            long at = from + (long) (random.nextDouble() * (ari.end() - from));
            // a window past the expiry (a CA's mistake) must not leave the name without a certificate
            return at < notAfter ? new Decision(at, "ari") : new Decision(lifetimeRule(notBefore, notAfter,
                    renewBefore), "lifetime");
        }
        return new Decision(lifetimeRule(notBefore, notAfter, renewBefore), "lifetime");
    }

    /** {@code renewBefore} before expiry when shorter than the lifetime, else at two thirds of it; see the class. */
    static long lifetimeRule(long notBefore, long notAfter, Duration before) {
        long lifetime = notAfter - notBefore;
        long twoThirds = notBefore + lifetime * 2 / 3;
        if (before != null && before.toMillis() < lifetime) {
            long at = notAfter - before.toMillis();
            return lifetime <= SHORT_LIVED ? Math.min(at, twoThirds) : at;
        }
        return twoThirds;
    }
}
