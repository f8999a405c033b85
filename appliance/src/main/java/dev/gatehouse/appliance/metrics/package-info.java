/**
 * Prometheus metrics of a node: {@code GET /metrics} on the management listener
 * ({@code metrics.listen}, default {@code 127.0.0.1:9464}).
 *
 * <p><b>Library.</b> Micrometer ({@code micrometer-registry-prometheus}, which writes through the
 * Prometheus Java client 1.x) rather than the Prometheus client alone, because Micrometer brings
 * what we would otherwise hand-write: the JVM binders (GC pauses as a histogram via
 * {@code JvmGcMetrics}, heap, threads, class loading, CPU), function meters that read the engine's
 * own adders at scrape time (no double counting, nothing on the event loop), multi-gauges for
 * label sets that come and go (backend servers, VIPs, the soonest-expiring certificates), and the
 * Prometheus/OpenMetrics text writers with content negotiation. Its naming convention gives the
 * Prometheus names ({@code gatehouse.http.requests} → {@code gatehouse_http_requests_total}, timers
 * in {@code _seconds}). JVM series keep Micrometer's standard {@code jvm_*}/{@code process_*} names so
 * stock JVM dashboards work; everything of ours starts with {@code gatehouse_}.
 *
 * <p><b>Hot path.</b> {@link dev.gatehouse.appliance.metrics.MetricsObserver} is the only code
 * here that runs on the event loops; it binds each meter once per label set. Everything else is read
 * on the scrape thread. Per-tenant labels are opt-in ({@code metrics.tenantLabels: N}) and capped.
 * The three duration histograms it records per request or handshake are the one exception to
 * "Micrometer for everything": a Micrometer timer costs several times more per record than the
 * request's other meters together, so they are {@link dev.gatehouse.appliance.metrics.HistogramFamily}s
 * registered on the Prometheus registry underneath, exported in the same series a timer would have.
 */
package dev.gatehouse.appliance.metrics;
