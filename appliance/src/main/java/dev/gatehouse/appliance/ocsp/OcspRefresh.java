package dev.gatehouse.appliance.ocsp;

import java.time.Duration;

/**
 * When to ask a responder again.
 *
 * <p>After a success: half-way through the response's validity, {@code thisUpdate + (nextUpdate -
 * thisUpdate) / 2} (the rule of issue #14, and what most stapling servers do), so that a responder
 * outage as long as half the validity costs no staple; but never sooner than {@code minInterval}
 * from now, so that a responder that sends very short-lived (or already half-spent) responses is not
 * asked in a loop.
 *
 * <p>After a failure: {@code retryMin × 2^(failures-1)}, capped at {@code retryMax}; and when a
 * response is still held, never later than its nextUpdate minus one retry step, so there is a last
 * try before the staple expires.
 */
final class OcspRefresh {

    private OcspRefresh() {
    }

    /** Epoch ms of the refresh after a successful fetch at {@code now}. */
    static long afterSuccess(long now, long thisUpdate, long nextUpdate, Duration minInterval) {
        long half = thisUpdate + (nextUpdate - thisUpdate) / 2;
        return Math.max(half, now + minInterval.toMillis());
    }

    /**
     * Epoch ms of the next attempt after the {@code failures}-th consecutive failure at {@code now}
     * ({@code failures >= 1}); {@code heldNextUpdate} is the nextUpdate of the response still held, 0
     * when none.
     */
    static long afterFailure(long now, int failures, Duration retryMin, Duration retryMax, long heldNextUpdate) {
        long step = backoff(failures, retryMin, retryMax);
        long at = now + step;
        if (heldNextUpdate > 0) {
            long lastChance = heldNextUpdate - retryMin.toMillis();
            if (lastChance > now && lastChance < at) {
                at = lastChance;
            }
        }
        return at;
    }

    /** {@code retryMin × 2^(failures-1)}, capped at {@code retryMax}. */
    static long backoff(int failures, Duration retryMin, Duration retryMax) {
        int shift = Math.min(Math.max(failures, 1) - 1, 30);
        long step = retryMin.toMillis() << shift;
        return step <= 0 ? retryMax.toMillis() : Math.min(step, retryMax.toMillis());
    }
}
