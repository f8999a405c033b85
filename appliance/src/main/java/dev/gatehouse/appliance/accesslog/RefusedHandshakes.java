package dev.gatehouse.appliance.accesslog;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which refused handshakes get an access-log line under a flood: one in {@code sample} (0: none),
 * then at most {@code perSecond} in the current second; the others are counted as suppressed.
 * Called on any event loop: lock-free, never blocking.
 */
final class RefusedHandshakes {

    private final int sample;
    private final int perSecond;
    private final AtomicLong seen = new AtomicLong();
    /** The current second (high 32 bits) and how many were admitted in it (low 32), updated as one. */
    private final AtomicLong window = new AtomicLong();
    private final LongAdder suppressed = new LongAdder();

    RefusedHandshakes(int sample, int perSecond) {
        this.sample = sample;
        this.perSecond = perSecond;
    }

    /** Whether this refused handshake is logged; counts it as suppressed when not. */
    boolean admit() {
        if (sample == 0 || (sample > 1 && seen.getAndIncrement() % sample != 0) || !underCap()) {
            suppressed.increment();
            return false;
        }
        return true;
    }

    private boolean underCap() {
        long second = System.nanoTime() / 1_000_000_000L & 0xffff_ffffL;
        long w = window.updateAndGet(v -> v >>> 32 == second ? v + 1 : second << 32 | 1);
        return (int) w <= perSecond;
    }

    /** Refused handshakes left out so far. */
    long suppressed() {
        return suppressed.sum();
    }
}
