package dev.gatehouse.appliance.metrics;

import dev.gatehouse.tls.observe.HandshakeRecord;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.observe.RequestRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Turns the data plane's {@link RequestRecord}s and {@link HandshakeRecord}s into Prometheus series.
 * Runs on the event loops: every meter is bound once per label set and kept in arrays or maps keyed
 * by the strings the record already carries, so a request costs a few map reads and adder bumps and
 * never builds a string or registers a meter after the first time a label set is seen. The three
 * duration histograms are {@link HistogramFamily}s rather than Micrometer timers (same series, a
 * fraction of the cost per record: see {@link BucketHistogram}).
 *
 * <p>Label values from records are bounded: protocols and status classes are fixed sets, TLS
 * outcomes, versions, causes and pools are capped ({@value #MAX_VALUES} distinct values each, then
 * {@code _other}), tenants only appear when {@code metrics.tenantLabels} is set and host buckets
 * when {@code metrics.hostLabels} is (see {@link CappedLabels}).
 *
 * <p>A request's <em>host bucket</em> is the certificate name its Host matched: the host itself for
 * an exact certificate, {@code *.parent} for a wildcard one, {@code _none} when no certificate covers
 * it (a misdirected or default-certificate request). Bucketing by the served name rather than the
 * Host as sent keeps a client from minting label values with random Host headers: only names a
 * tenant has a certificate for can take one of the {@code hostLabels} slots.
 */
public final class MetricsObserver implements RequestObserver {

    static final int MAX_VALUES = 64;
    static final String[] PROTOCOLS = {"HTTP/1.0", "HTTP/1.1", "HTTP/2", "other"};
    static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
    /** Request durations: 1 ms .. 60 s. */
    static final Duration[] REQUEST_BUCKETS = millis(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000,
            30_000, 60_000);
    /** Handshake durations: 0.5 ms .. 10 s. */
    static final Duration[] HANDSHAKE_BUCKETS = micros(500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000,
            250_000, 500_000, 1_000_000, 2_500_000, 10_000_000);

    private final PrometheusMeterRegistry registry;
    private final CappedLabels tenants;
    private final Function<String, String> tenantOfCertificate;
    private final CappedLabels hosts;
    /** Host (as sent, port included) → the certificate name it matches, or null; set once the edge exists. */
    private volatile Function<String, String> hostBucket = h -> null;
    private final RequestMeters untenanted;
    private final ConcurrentHashMap<String, RequestMeters> byTenant = new ConcurrentHashMap<>();
    /** Request durations, labelled by tenant when there are tenant labels. */
    private final HistogramFamily requestDuration;
    private final Capped<BucketHistogram> ttfbByPool;
    private final Capped<Capped<Counter>> handshakes;
    private final BucketHistogram handshakeDuration;
    /** Index: 0 = 421, 1 = 429, 2.. = 500..599; each a map cause → counter. */
    private final Capped<Counter>[] errors;

    /**
     * @param tenantLabels        0: no tenant label; else the cap (see {@link CappedLabels})
     * @param hostLabels          0: no host label; else the cap on host buckets
     * @param tenantOfCertificate the tenant owning a certificate id, or null (must be a cheap in-memory read)
     */
    @SuppressWarnings("unchecked")
    public MetricsObserver(PrometheusMeterRegistry registry, int tenantLabels, int hostLabels,
            Function<String, String> tenantOfCertificate) {
        this.registry = registry;
        this.tenants = tenantLabels > 0 ? new CappedLabels("tenantLabels", tenantLabels) : null;
        this.hosts = hostLabels > 0 ? new CappedLabels("hostLabels", hostLabels) : null;
        this.tenantOfCertificate = tenantOfCertificate;
        this.requestDuration = HistogramFamily.register(registry.getPrometheusRegistry(),
                "gatehouse_http_request_duration_seconds", "From the request head to the last byte sent",
                tenants == null ? null : "tenant", REQUEST_BUCKETS);
        this.untenanted = tenants == null ? new RequestMeters(Tags.empty(), requestDuration.unlabelled()) : null;
        HistogramFamily ttfb = HistogramFamily.register(registry.getPrometheusRegistry(),
                "gatehouse_upstream_ttfb_seconds", "From the request head to the backend's response head", "pool",
                REQUEST_BUCKETS);
        this.ttfbByPool = new Capped<>(ttfb::of);
        this.handshakes = new Capped<>(outcome -> new Capped<>(version -> Counter.builder("gatehouse.tls.handshakes")
                .description("TLS handshakes by outcome (full, resumed or the failure reason) and version")
                .tags("outcome", outcome, "version", version).register(registry)));
        this.handshakeDuration = HistogramFamily.register(registry.getPrometheusRegistry(),
                "gatehouse_tls_handshake_duration_seconds",
                "Completed TLS handshakes, from the first ClientHello byte to Finished", null, HANDSHAKE_BUCKETS)
                .unlabelled();
        this.errors = new Capped[2 + 100];
        for (int i = 0; i < errors.length; i++) {
            String status = i == 0 ? "421" : i == 1 ? "429" : String.valueOf(498 + i);
            errors[i] = new Capped<>(cause -> Counter.builder("gatehouse.http.errors")
                    .description("421, 429 and 5xx answers by cause (upstream: the backend's own answer)")
                    .tags("status", status, "cause", cause).register(registry));
        }
        // the common ones exist from the start, so dashboards and alerts see zeros, not gaps
        handshakes.get("full").get("TLSv1.3");
        handshakes.get("resumed").get("TLSv1.3");
        errors[2 + 2].get("upstream");
        errors[2 + 3].get("no_healthy_backend");
        errors[0].get("misdirected");
        if (tenants == null) {
            ttfbByPool.get("_none");
        }
    }

    /**
     * Where host buckets come from (the edge's certificate registry, which exists after the
     * observer): a cheap lock-free lookup, called on the event loop for every request.
     */
    public void hostBuckets(Function<String, String> bucketOfHost) {
        this.hostBucket = bucketOfHost;
    }

    @Override
    public void onRequest(RequestRecord r) {
        RequestMeters m = untenanted != null ? untenanted : tenantMeters(r.certificateId());
        int status = r.status();
        int cls = status >= 100 && status < 600 ? status / 100 : 0;
        Counter[][] requests = hosts == null ? m.requests : m.requestsOf(hosts.of(hostBucket.apply(r.host())));
        requests[protocolIndex(r.protocol())][cls].increment();
        m.duration.record(r.totalNanos());
        if (r.bytesIn() > 0) {
            m.bytesIn.increment(r.bytesIn());
        }
        if (r.bytesOut() > 0) {
            m.bytesOut.increment(r.bytesOut());
        }
        if (r.ttfbNanos() >= 0) {
            ttfbByPool.get(r.pool() == null ? "_none" : r.pool()).record(r.ttfbNanos());
        }
        int e = status == 421 ? 0 : status == 429 ? 1 : status >= 500 && status < 600 ? status - 498 : -1;
        if (e >= 0) {
            errors[e].get(r.cause() != null ? r.cause() : r.server() != null ? "upstream" : "unknown").increment();
        }
    }

    @Override
    public void onHandshake(HandshakeRecord h) {
        handshakes.get(h.outcome() == null ? "unknown" : h.outcome())
                .get(h.tlsVersion() == null ? "none" : h.tlsVersion()).increment();
        if (h.ok() && h.durationNanos() >= 0) {
            handshakeDuration.record(h.durationNanos());
        }
    }

    private RequestMeters tenantMeters(String certificateId) {
        String tenant = certificateId == null ? null : tenantOfCertificate.apply(certificateId);
        String label = tenants.of(tenant);
        RequestMeters m = byTenant.get(label);
        return m != null ? m : byTenant.computeIfAbsent(label,
                l -> new RequestMeters(Tags.of("tenant", l), requestDuration.of(l)));
    }

    private static int protocolIndex(String p) {
        if ("HTTP/1.1".equals(p)) {
            return 1;
        }
        if ("HTTP/2".equals(p)) {
            return 2;
        }
        return "HTTP/1.0".equals(p) ? 0 : 3;
    }

    /** The meters of one tenant label value (or of all requests when there is no tenant label). */
    private final class RequestMeters {
        /** By protocol and status class; null when requests are counted per host bucket. */
        final Counter[][] requests;
        final ConcurrentHashMap<String, Counter[][]> requestsByHost;
        final Tags tenant;
        final BucketHistogram duration;
        final Counter bytesIn;
        final Counter bytesOut;

        RequestMeters(Tags tenant, BucketHistogram duration) {
            this.tenant = tenant;
            this.requests = hosts == null ? requestCounters(tenant) : null;
            this.requestsByHost = hosts == null ? null : new ConcurrentHashMap<>();
            this.duration = duration;
            bytesIn = Counter.builder("gatehouse.http.received.bytes").description("Request body bytes received")
                    .tags(tenant).register(registry);
            bytesOut = Counter.builder("gatehouse.http.sent.bytes").description("Response body bytes sent")
                    .tags(tenant).register(registry);
        }

        Counter[][] requestsOf(String hostLabel) {
            Counter[][] c = requestsByHost.get(hostLabel);
            return c != null ? c
                    : requestsByHost.computeIfAbsent(hostLabel, h -> requestCounters(tenant.and("host", h)));
        }

        private Counter[][] requestCounters(Tags labels) {
            Counter[][] out = new Counter[PROTOCOLS.length][STATUS_CLASSES.length];
            for (int p = 0; p < PROTOCOLS.length; p++) {
                for (int s = 0; s < STATUS_CLASSES.length; s++) {
                    out[p][s] = Counter.builder("gatehouse.http.requests")
                            .description("Finished HTTP requests (HTTP/2 streams) by protocol, status class and,"
                                    + " when metrics.hostLabels is set, host bucket")
                            .tags(labels).tags("protocol", PROTOCOLS[p], "status_class", STATUS_CLASSES[s])
                            .register(registry);
                }
            }
            return out;
        }
    }

    /**
     * Values keyed by a label value, created once, at most {@link #MAX_VALUES} distinct keys (then
     * every new key maps to the {@code _other} value).
     */
    static final class Capped<V> {
        private final ConcurrentHashMap<String, V> values = new ConcurrentHashMap<>();
        private final Function<String, V> create;

        Capped(Function<String, V> create) {
            this.create = create;
        }

        V get(String key) {
            V v = values.get(key);
            if (v != null) {
                return v;
            }
            String k = values.size() >= MAX_VALUES ? "_other" : key;
            return values.computeIfAbsent(k, create);
        }
    }

    private static Duration[] millis(long... ms) {
        Duration[] out = new Duration[ms.length];
        for (int i = 0; i < ms.length; i++) {
            out[i] = Duration.ofMillis(ms[i]);
        }
        return out;
    }

    private static Duration[] micros(long... us) {
        Duration[] out = new Duration[us.length];
        for (int i = 0; i < us.length; i++) {
            out[i] = Duration.ofNanos(us[i] * 1000);
        }
        return out;
    }
}
