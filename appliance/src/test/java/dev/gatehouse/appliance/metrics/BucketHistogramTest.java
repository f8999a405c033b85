package dev.gatehouse.appliance.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BucketHistogramTest {

    private static final long[] BOUNDS = {1_000, 5_000, 10_000};

    @ParameterizedTest
    @CsvSource({"0, 0", "999, 0", "1000, 0", "1001, 1", "5000, 1", "9999, 2", "10000, 2", "10001, 3",
        "9223372036854775807, 3"})
    void putsAValueInTheFirstBucketWhoseBoundIsAtLeastIt(long nanos, int bucket) {
        BucketHistogram h = new BucketHistogram(BOUNDS);
        h.record(nanos);
        long[] expected = new long[BOUNDS.length + 1];
        expected[bucket] = 1;
        assertThat(h.counts()).containsExactly(expected);
        assertThat(h.sumNanos()).isEqualTo(nanos);
    }

    @Test
    void ignoresUnknownDurations() {
        BucketHistogram h = new BucketHistogram(BOUNDS);
        h.record(-1);
        assertThat(h.counts()).containsOnly(0L);
        assertThat(h.sumNanos()).isZero();
        assertThat(h.maxNanos(System.nanoTime())).isZero();
    }

    @Test
    void maximumCoversTheCurrentAndThePreviousWindowThenDecays() {
        BucketHistogram h = new BucketHistogram(BOUNDS);
        long start = System.nanoTime();
        long window = BucketHistogram.MAX_WINDOW_NANOS;
        h.record(7_000);
        h.record(3_000);
        assertThat(h.maxNanos(start)).isEqualTo(7_000);
        // one window later the old maximum is the previous window's, still reported
        assertThat(h.maxNanos(start + window + 1)).isEqualTo(7_000);
        h.record(2_000);
        assertThat(h.maxNanos(start + window + 2)).isEqualTo(7_000);
        // another window later only the 2,000 of the previous window is left
        assertThat(h.maxNanos(start + 2 * window + 2)).isEqualTo(2_000);
        assertThat(h.maxNanos(start + 3 * window + 3)).isZero();
        // the count and sum never decay: Prometheus takes rates of them
        assertThat(h.counts()).containsExactly(0, 2, 1, 0);
        assertThat(h.sumNanos()).isEqualTo(12_000);
    }
}
