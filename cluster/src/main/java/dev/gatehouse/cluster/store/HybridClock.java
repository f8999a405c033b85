package dev.gatehouse.cluster.store;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hybrid logical clock (Kulkarni et al., 2014) packed in a long: milliseconds since the epoch in
 * the high 48 bits, a counter in the low 16. Strictly increasing on a node, close to wall time, and
 * {@link #observe}-ing remote revisions keeps it ahead of every revision seen, so "highest revision
 * wins" orders writes across nodes. The wall clock is injected so that tests can move time.
 */
public final class HybridClock {

    private final AtomicLong last = new AtomicLong();
    private final Clock wall;

    public HybridClock() {
        this(Clock.systemUTC());
    }

    public HybridClock(Clock wall) {
        this.wall = wall;
    }

    public long next() {
        long now = wall.millis() << 16;
        return last.updateAndGet(prev -> Math.max(prev + 1, now));
    }

    /** Moves the clock past a revision seen from elsewhere (or loaded from disk). */
    public void observe(long revision) {
        last.accumulateAndGet(revision, Math::max);
    }

    /** The highest revision issued or observed (0 when none). */
    long last() {
        return last.get();
    }

    /** The wall-clock part of a revision, epoch milliseconds. */
    public static long millis(long revision) {
        return revision >>> 16;
    }
}
