package dev.gatehouse.appliance.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One duration histogram metric with at most one label ({@code pool}, {@code tenant}) or none, its
 * {@link BucketHistogram}s bound once per label value and exported straight to the Prometheus
 * registry underneath Micrometer's, in exactly the shape a Micrometer {@code Timer} with
 * service-level objectives has there: {@code NAME_seconds} as a histogram ({@code _bucket} with
 * {@code le} in seconds and {@code +Inf}, {@code _count}, {@code _sum}) and {@code NAME_seconds_max}
 * as a gauge, both with the description as help. See {@link BucketHistogram} for why the data path
 * does not use a Micrometer {@code Timer}.
 */
final class HistogramFamily implements MultiCollector {

    private static final String NO_LABEL = "";

    private final String name;
    private final String help;
    private final String labelName;
    private final long[] boundsNanos;
    private final double[] upperBoundsSeconds;
    private final ConcurrentHashMap<String, BucketHistogram> byLabel = new ConcurrentHashMap<>();

    private HistogramFamily(String name, String help, String labelName, Duration[] buckets) {
        this.name = name;
        this.help = help;
        this.labelName = labelName;
        this.boundsNanos = new long[buckets.length];
        this.upperBoundsSeconds = new double[buckets.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            boundsNanos[i] = buckets[i].toNanos();
            upperBoundsSeconds[i] = boundsNanos[i] / 1e9;
        }
        upperBoundsSeconds[buckets.length] = Double.POSITIVE_INFINITY;
    }

    /**
     * Registers the family on {@code registry} (scraped with every Micrometer meter).
     *
     * @param name      the Prometheus name, unit included ({@code gatehouse_upstream_ttfb_seconds})
     * @param labelName the one label's name, or null for none
     */
    static HistogramFamily register(PrometheusRegistry registry, String name, String help, String labelName,
            Duration[] buckets) {
        HistogramFamily f = new HistogramFamily(name, help, labelName, buckets);
        registry.register(f);
        return f;
    }

    /** The histogram without a label (a family created with no label name). */
    BucketHistogram unlabelled() {
        return of(NO_LABEL);
    }

    /** The histogram of one label value, created the first time (callers cap the values). */
    BucketHistogram of(String labelValue) {
        BucketHistogram h = byLabel.get(labelValue);
        return h != null ? h : byLabel.computeIfAbsent(labelValue, v -> new BucketHistogram(boundsNanos));
    }

    @Override
    public MetricSnapshots collect() {
        HistogramSnapshot.Builder histogram = HistogramSnapshot.builder().name(name).help(help);
        GaugeSnapshot.Builder max = GaugeSnapshot.builder().name(name + "_max").help(help);
        long now = System.nanoTime();
        for (Map.Entry<String, BucketHistogram> e : new TreeMap<>(byLabel).entrySet()) {
            Labels labels = labelName == null ? Labels.EMPTY : Labels.of(labelName, e.getKey());
            BucketHistogram h = e.getValue();
            histogram.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(upperBoundsSeconds, h.counts()))
                    .sum(h.sumNanos() / 1e9).build());
            max.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels)
                    .value(h.maxNanos(now) / 1e9).build());
        }
        return MetricSnapshots.of(histogram.build(), max.build());
    }
}
