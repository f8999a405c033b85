package dev.gatehouse.appliance.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.observe.HandshakeRecord;
import dev.gatehouse.tls.observe.RequestRecord;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Records into a real Prometheus registry; the scrape text is parsed back. */
class MetricsObserverTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    static RequestRecord request(String cert, String protocol, int status, String cause, String pool, String server,
            long bytesIn, long bytesOut, long ttfbMs, long totalMs) {
        return new RequestRecord(System.currentTimeMillis(), new InetSocketAddress("192.0.2.1", 40000),
                "app.tenant-a.test", "app.tenant-a.test", cert, pool, server, "GET", "/", protocol, status, bytesIn,
                bytesOut, 2_000_000, 0, ttfbMs < 0 ? -1 : ttfbMs * 1_000_000, totalMs * 1_000_000, "TLSv1.3",
                "TLS_AES_128_GCM_SHA256", null, false, "req-1", cause, null, null);
    }

    static HandshakeRecord handshake(String outcome, String version, long micros) {
        return new HandshakeRecord(System.currentTimeMillis(), null, "app.tenant-a.test",
                "full".equals(outcome) || "resumed".equals(outcome) ? "cert-a" : null, outcome, version,
                version == null ? null : "TLS_AES_128_GCM_SHA256", null, micros < 0 ? -1 : micros * 1000);
    }

    Scrape scrape() {
        return Scrape.parse(registry.scrape());
    }

    @Test
    void countsRequestsByProtocolAndStatusClassWithHistogramsAndBytes() {
        MetricsObserver o = new MetricsObserver(registry, 0, 0, id -> null);
        for (int i = 0; i < 7; i++) {
            o.onRequest(request("cert-a", "HTTP/1.1", 200, null, "app", "10.0.0.1:8080", 10, 100, 3, 20));
        }
        o.onRequest(request("cert-a", "HTTP/2", 204, null, "app", "10.0.0.1:8080", 0, 0, 1, 2));
        o.onRequest(request("cert-a", "HTTP/2", 502, "backend_connect", "app", null, 0, 50, -1, 4));
        o.onRequest(request("cert-a", "HTTP/1.1", 503, null, "app", "10.0.0.1:8080", 0, 10, 5, 6));
        o.onRequest(request(null, "HTTP/1.1", 421, "misdirected", null, null, 0, 10, -1, 1));
        o.onRequest(request(null, "HTTP/1.1", 429, "rate_limited", null, null, 0, 10, -1, 1));

        Scrape s = scrape();
        assertThat(s.value("gatehouse_http_requests_total", "protocol=\"HTTP/1.1\"", "status_class=\"2xx\""))
                .isEqualTo(7);
        assertThat(s.value("gatehouse_http_requests_total", "protocol=\"HTTP/2\"", "status_class=\"2xx\"")).isEqualTo(1);
        assertThat(s.value("gatehouse_http_requests_total", "protocol=\"HTTP/2\"", "status_class=\"5xx\"")).isEqualTo(1);
        assertThat(s.value("gatehouse_http_requests_total", "protocol=\"HTTP/1.1\"", "status_class=\"4xx\""))
                .isEqualTo(2);
        assertThat(s.sum("gatehouse_http_requests_total")).isEqualTo(12);
        // no tenant label unless asked for
        assertThat(s.samples().keySet()).noneMatch(k -> k.contains("tenant="));
        assertThat(s.value("gatehouse_http_request_duration_seconds_count")).isEqualTo(12);
        assertThat(s.value("gatehouse_http_request_duration_seconds_bucket", "le=\"0.025\"")).isEqualTo(12);
        assertThat(s.value("gatehouse_http_request_duration_seconds_bucket", "le=\"0.005\"")).isEqualTo(4);
        assertThat(s.value("gatehouse_upstream_ttfb_seconds_count", "pool=\"app\"")).isEqualTo(9);
        assertThat(s.value("gatehouse_http_received_bytes_total")).isEqualTo(70);
        assertThat(s.value("gatehouse_http_sent_bytes_total")).isEqualTo(700 + 50 + 10 + 10 + 10);
        assertThat(s.value("gatehouse_http_errors_total", "status=\"502\"", "cause=\"backend_connect\"")).isEqualTo(1);
        assertThat(s.value("gatehouse_http_errors_total", "status=\"503\"", "cause=\"upstream\"")).isEqualTo(1);
        assertThat(s.value("gatehouse_http_errors_total", "status=\"421\"", "cause=\"misdirected\"")).isEqualTo(1);
        assertThat(s.value("gatehouse_http_errors_total", "status=\"429\"", "cause=\"rate_limited\"")).isEqualTo(1);
    }

    @Test
    void countsHandshakesByOutcomeAndVersionAndTimesCompletedOnes() {
        MetricsObserver o = new MetricsObserver(registry, 0, 0, id -> null);
        o.onHandshake(handshake("full", "TLSv1.3", 800));
        o.onHandshake(handshake("full", "TLSv1.3", 3000));
        o.onHandshake(handshake("full", "TLSv1.2", 3000));
        o.onHandshake(handshake("resumed", "TLSv1.3", 300));
        o.onHandshake(handshake("unknown_sni", null, 100));
        o.onHandshake(handshake("no_sni", null, -1));
        o.onHandshake(handshake("unknown_sni", null, 100));

        Scrape s = scrape();
        assertThat(s.value("gatehouse_tls_handshakes_total", "outcome=\"full\"", "version=\"TLSv1.3\"")).isEqualTo(2);
        assertThat(s.value("gatehouse_tls_handshakes_total", "outcome=\"full\"", "version=\"TLSv1.2\"")).isEqualTo(1);
        assertThat(s.value("gatehouse_tls_handshakes_total", "outcome=\"resumed\"")).isEqualTo(1);
        assertThat(s.value("gatehouse_tls_handshakes_total", "outcome=\"unknown_sni\"", "version=\"none\"")).isEqualTo(2);
        assertThat(s.value("gatehouse_tls_handshakes_total", "outcome=\"no_sni\"")).isEqualTo(1);
        // only completed handshakes are timed
        assertThat(s.value("gatehouse_tls_handshake_duration_seconds_count")).isEqualTo(4);
        assertThat(s.value("gatehouse_tls_handshake_duration_seconds_bucket", "le=\"0.001\"")).isEqualTo(2);
    }

    private static RequestRecord toHost(String host, int status) {
        RequestRecord r = request("c1", "HTTP/2", status, null, "app", "10.0.0.1:8080", 0, 0, 1, 1);
        return new RequestRecord(r.startEpochMillis(), r.client(), r.sni(), host, r.certificateId(), r.pool(),
                r.server(), r.method(), r.path(), r.protocol(), r.status(), r.bytesIn(), r.bytesOut(),
                r.handshakeNanos(), r.connectNanos(), r.ttfbNanos(), r.totalNanos(), r.tlsVersion(), r.cipher(),
                r.group(), r.resumed(), r.requestId(), r.cause(), r.upstreamError(), r.query());
    }

    /**
     * Host buckets are the certificate names requests matched, not the Host headers as sent: random
     * hosts a client makes up all land in {@code _none} and cannot use up the cap; beyond the cap
     * served names share {@code _other}. The registry's real lookup is used (exact and wildcard).
     */
    @Test
    void hostBucketsAreTheServedCertificateNamesCappedAndNotMintedByClients() throws Exception {
        dev.gatehouse.tls.testing.TestPki pki = new dev.gatehouse.tls.testing.TestPki();
        dev.gatehouse.tls.sni.CertificateRegistry certs = new dev.gatehouse.tls.sni.CertificateRegistry(
                new dev.gatehouse.tls.sni.SslContextFactory(false, true, 300), 100);
        certs.preloadKeyMaterial(false);
        for (String name : new String[] {"a.example", "*.b.example", "c.example"}) {
            certs.put(pki.ec(name.replace("*.", "w-"), name));
        }
        MetricsObserver o = new MetricsObserver(registry, 0, 2, id -> null);
        o.hostBuckets(certs::servedPattern);
        o.onRequest(toHost("a.example", 200));
        o.onRequest(toHost("A.Example:443", 200));
        for (int i = 0; i < 50; i++) {
            o.onRequest(toHost("random-" + i + ".attacker.test", 421));
        }
        o.onRequest(toHost("x.b.example", 200));
        o.onRequest(toHost("y.b.example", 502));
        o.onRequest(toHost("c.example", 200)); // third served name: over the cap of 2
        o.onRequest(toHost(null, 400));

        Scrape s = scrape();
        assertThat(s.value("gatehouse_http_requests_total", "host=\"a.example\"", "protocol=\"HTTP/2\"",
                "status_class=\"2xx\"")).isEqualTo(2);
        assertThat(s.value("gatehouse_http_requests_total", "host=\"*.b.example\"", "protocol=\"HTTP/2\"", "status_class=\"2xx\""))
                .isEqualTo(1);
        assertThat(s.value("gatehouse_http_requests_total", "host=\"*.b.example\"", "protocol=\"HTTP/2\"", "status_class=\"5xx\""))
                .isEqualTo(1);
        assertThat(s.value("gatehouse_http_requests_total", "host=\"_other\"", "protocol=\"HTTP/2\"", "status_class=\"2xx\""))
                .isEqualTo(1);
        assertThat(s.value("gatehouse_http_requests_total", "host=\"_none\"", "protocol=\"HTTP/2\"", "status_class=\"4xx\""))
                .isEqualTo(51);
        assertThat(s.samples().keySet()).noneMatch(k -> k.contains("attacker") || k.contains("c.example"));
        // 4 label values (a.example, *.b.example, _other, _none), each a fixed grid of protocol x status class
        assertThat(s.count("gatehouse_http_requests_total")).isEqualTo(4L * 4 * 6);
    }

    @Test
    void tenantLabelsAreCappedFirstComeTheRestShareOther() {
        Map<String, String> tenantOf = Map.of("c1", "t1", "c2", "t2", "c3", "t3", "c4", "t4");
        MetricsObserver o = new MetricsObserver(registry, 2, 0, tenantOf::get);
        for (String cert : new String[] {"c1", "c2", "c3", "c4", "c1", "c4"}) {
            o.onRequest(request(cert, "HTTP/1.1", 200, null, "app", "10.0.0.1:8080", 0, 0, 1, 1));
        }
        o.onRequest(request("from-a-directory", "HTTP/1.1", 200, null, "app", "10.0.0.1:8080", 0, 0, 1, 1));
        o.onRequest(request(null, "HTTP/1.1", 421, "misdirected", null, null, 0, 0, -1, 1));

        Scrape s = scrape();
        assertThat(s.value("gatehouse_http_requests_total", "tenant=\"t1\"", "protocol=\"HTTP/1.1\"",
                "status_class=\"2xx\"")).isEqualTo(2);
        assertThat(s.value("gatehouse_http_requests_total", "tenant=\"t2\"", "protocol=\"HTTP/1.1\"",
                "status_class=\"2xx\"")).isEqualTo(1);
        assertThat(s.value("gatehouse_http_requests_total", "tenant=\"_other\"", "protocol=\"HTTP/1.1\"",
                "status_class=\"2xx\"")).isEqualTo(3);
        assertThat(s.value("gatehouse_http_requests_total", "tenant=\"_none\"", "protocol=\"HTTP/1.1\"",
                "status_class=\"2xx\"")).isEqualTo(1);
        assertThat(s.samples().keySet()).noneMatch(k -> k.contains("tenant=\"t3\"") || k.contains("tenant=\"t4\""));
        // 4 label values (t1, t2, _other, _none), each a fixed grid of protocol x status class
        assertThat(s.count("gatehouse_http_requests_total")).isEqualTo(4L * 4 * 6);
    }

    @Test
    void bindsMetersOnceNotPerRequest() {
        MetricsObserver o = new MetricsObserver(registry, 0, 0, id -> null);
        o.onRequest(request("c", "HTTP/1.1", 200, null, "app", "s:1", 0, 0, 1, 1));
        o.onHandshake(handshake("full", "TLSv1.3", 500));
        int meters = registry.getMeters().size();
        for (int i = 0; i < 10_000; i++) {
            o.onRequest(request("c", i % 2 == 0 ? "HTTP/1.1" : "HTTP/2", 200 + (i % 4) * 100, null, "app", "s:1", 1,
                    1, 1, 1));
            o.onHandshake(handshake(i % 2 == 0 ? "full" : "resumed", "TLSv1.3", 500));
        }
        // 502/503 with a new cause bind once; nothing else is registered by traffic of known shapes
        assertThat(registry.getMeters().size()).isLessThanOrEqualTo(meters + 1);
    }

    @Test
    void unboundedLabelValuesFromRecordsAreCapped() {
        MetricsObserver o = new MetricsObserver(registry, 0, 0, id -> null);
        for (int i = 0; i < 500; i++) {
            o.onHandshake(handshake("weird_" + i, "TLSv9." + i, -1));
            o.onRequest(request("c", "HTTP/1.1", 200, null, "pool-" + i, "s:1", 0, 0, 1, 1));
        }
        Scrape s = scrape();
        assertThat(s.samples().keySet().stream().filter(k -> k.startsWith("gatehouse_tls_handshakes_total"))
                .map(k -> k.replaceAll(".*outcome=\"([^\"]*)\".*", "$1")).distinct().count())
                .isLessThanOrEqualTo(MetricsObserver.MAX_VALUES + 1);
        assertThat(s.sum("gatehouse_tls_handshakes_total", "outcome=\"_other\"")).isPositive();
        assertThat(s.samples().keySet().stream().filter(k -> k.startsWith("gatehouse_upstream_ttfb_seconds_count")))
                .hasSizeLessThanOrEqualTo(MetricsObserver.MAX_VALUES + 1);
    }
}
