package dev.gatehouse.appliance.metrics;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One label set's fixed-boundary histogram of durations: a {@link LongAdder} per bucket, one for the
 * sum, and a decaying maximum. Recorded on the event loops for every request, read by the scrape.
 *
 * <p>Why not a Micrometer {@code Timer} with service-level objectives: per record, Micrometer's
 * Prometheus timer bumps a count and a total adder, updates a three-slot decaying maximum and a
 * time-window fixed-boundary histogram (each reads the wall clock to decide whether to rotate, and
 * the histogram binary-searches its buckets and increments an {@code AtomicLongArray} slot): about
 * 200–300 ns per record on the benchmark machine, twice per request. This one costs a linear bucket
 * search (most requests stop at the first bound), two uncontended adder increments and, unless a new
 * maximum is seen, one volatile read: about 30 ns. The count is the buckets' sum, so it needs no
 * adder of its own.
 *
 * <p>The maximum covers the last one to two {@linkplain #MAX_WINDOW_NANOS windows}, like Micrometer's
 * decaying {@code _max}: the reader (the single scrape thread) rotates it, the writers never look at
 * the clock.
 */
final class BucketHistogram {

    /** How long one window of the decaying maximum lasts. */
    static final long MAX_WINDOW_NANOS = 60_000_000_000L;

    /** Upper bounds in nanoseconds, ascending; values above the last one land in the {@code +Inf} bucket. */
    private final long[] bounds;
    /** Per bucket (not cumulative), the last one being {@code +Inf}. */
    private final LongAdder[] counts;
    private final LongAdder sumNanos = new LongAdder();
    /** The current window's maximum: raised by the writers, swapped out by the reader. */
    private final AtomicLong max = new AtomicLong();
    // written by the reader only
    private long previousMax;
    private long windowStartNanos = System.nanoTime();

    BucketHistogram(long[] boundsNanos) {
        this.bounds = boundsNanos;
        this.counts = new LongAdder[boundsNanos.length + 1];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** Records one duration; negative values are ignored (unknown durations are -1). Any thread. */
    void record(long nanos) {
        if (nanos < 0) {
            return;
        }
        int i = 0;
        while (i < bounds.length && nanos > bounds[i]) {
            i++;
        }
        counts[i].increment();
        sumNanos.add(nanos);
        if (nanos > max.get()) {
            max.accumulateAndGet(nanos, Math::max);
        }
    }

    /** Per-bucket counts (not cumulative), {@code +Inf} last. */
    long[] counts() {
        long[] out = new long[counts.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = counts[i].sum();
        }
        return out;
    }

    long sumNanos() {
        return sumNanos.sum();
    }

    /**
     * The largest value recorded in the current window or the one before (with scrapes at least once a
     * window: the last one to two windows). Reader only.
     */
    long maxNanos(long nowNanos) {
        if (nowNanos - windowStartNanos >= MAX_WINDOW_NANOS) {
            previousMax = max.getAndSet(0);
            windowStartNanos = nowNanos;
        }
        return Math.max(previousMax, max.get());
    }
}
