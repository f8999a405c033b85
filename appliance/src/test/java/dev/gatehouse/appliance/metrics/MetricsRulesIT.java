package dev.gatehouse.appliance.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.testing.Tools;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ops files against the code: {@code promtool check rules} and {@code promtool test rules},
 * and every metric name the alert rules and the Grafana dashboard use is one a running node
 * (clustered, with a VIP and ACME on, so that every part registers its series) exports.
 */
class MetricsRulesIT {

    static final Path RULES = MetricsFixture.ops().resolve("prometheus/gatehouse-rules.yml");
    static final Path RULE_TESTS = MetricsFixture.ops().resolve("prometheus/gatehouse-rules.test.yml");
    static final Path DASHBOARD = MetricsFixture.ops().resolve("grafana/gatehouse.json");
    static final Set<String> OURS = Set.of("gatehouse_", "jvm_", "process_", "system_");
    /** Identifiers of PromQL that are not metric names. */
    static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset");

    @TempDir
    Path dir;

    @Test
    void promtoolChecksAndUnitTestsTheRules() {
        Tools.require("promtool");
        Tools.Result check = Tools.run(List.of("promtool", "check", "rules", RULES.toString()), null, 60);
        assertThat(check.exitCode()).as(check.all()).isZero();
        assertThat(check.stdout()).contains("SUCCESS");
        Tools.Result test = Tools.run(List.of("sh", "-c", "cd '" + RULE_TESTS.getParent() + "' && promtool test rules "
                + RULE_TESTS.getFileName()), null, 60);
        assertThat(test.exitCode()).as(test.all()).isZero();
        assertThat(test.all()).contains("SUCCESS");
    }

    @Test
    void rulesAndDashboardUseOnlyMetricsTheNodeExports() throws Exception {
        Set<String> used = new TreeSet<>();
        List<String> alerts = new ArrayList<>();
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile());
        for (JsonNode g : rules.get("groups")) {
            for (JsonNode r : g.get("rules")) {
                alerts.add(r.get("alert").asText());
                used.addAll(metricNames(r.get("expr").asText()));
            }
        }
        assertThat(alerts).contains("GatehouseNodeDown", "GatehouseVipWithoutOwner", "GatehouseVipTwoOwners",
                "GatehouseCertificateExpiringSoon", "GatehouseAcmeFailing", "GatehousePoolWithoutHealthyServer",
                "GatehouseHandshakeFailureSpike", "GatehouseGcPauseAboveFailureDetection",
                "GatehouseGridEntriesRejected");
        JsonNode dash = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertThat(dash.get("panels")).isNotEmpty();
        for (JsonNode p : dash.get("panels")) {
            assertThat(p.get("targets")).as("panel %s has targets", p.get("title")).isNotEmpty();
            for (JsonNode t : p.get("targets")) {
                used.addAll(metricNames(t.get("expr").asText()));
            }
        }
        for (JsonNode v : dash.get("templating").get("list")) {
            if (v.has("definition")) {
                used.addAll(metricNames(v.get("definition").asText()));
            }
        }
        assertThat(used).contains("gatehouse_http_requests_total", "gatehouse_vip_held", "jvm_gc_pause_seconds_bucket");

        Set<String> exported = exportedByAClusteredNode();
        assertThat(used.stream().filter(n -> !exported.contains(n)).toList())
                .as("metric names used by ops/prometheus and ops/grafana but not exported (exported: %s)", exported)
                .isEmpty();
    }

    /** Metric names in a PromQL expression (ours only: {@code up} and friends are Prometheus's). */
    static Set<String> metricNames(String promql) {
        String s = promql.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // strings
                .replaceAll("\\{[^}]*}", " ") // label matchers
                .replaceAll("\\[[^]]*]", " ") // ranges
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\()?").matcher(s);
        while (m.find()) {
            String id = m.group(1);
            if (m.group(2) != null || KEYWORDS.contains(id)) {
                continue; // a function call or a keyword
            }
            if (OURS.stream().anyMatch(id::startsWith)) {
                out.add(id);
            }
        }
        return out;
    }

    private Set<String> exportedByAClusteredNode() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path clusterKey = Files.write(dir.resolve("cluster.key"), key);
        Path secret = Files.write(dir.resolve("jgroups.secret"), key);
        int hz = freePort();
        int jg = freePort();
        String yaml = String.join("\n",
                "metrics: {listen: '127.0.0.1:0'}",
                "acme: {enabled: true, directory: 'https://127.0.0.1:1/directory', onDemand: true, interval: 1h,"
                        + " leaseTtl: 3h}",
                "cluster:",
                "  enabled: true",
                "  name: metrics-" + dir.getFileName(),
                "  bind: '127.0.0.1:" + hz + "'",
                "  members: ['127.0.0.1:" + hz + "']",
                "  keyFile: '" + clusterKey + "'",
                "  membership:",
                "    port: " + jg,
                "    peers: ['127.0.0.1:" + jg + "']",
                "    secretFile: '" + secret + "'",
                "    ha: {driver: none, failback: 'off', settle: 200ms, vips: ['198.18.0.100/32']}", "");
        try (TestNode node = new TestNode(dir.resolve("node"), "metrics-node", yaml)) {
            MetricsFixture.tenantWithCertificate(node, DemoPki.create("MetricsRulesIT CA"), "tenant-a",
                    "app.tenant-a.test");
            System.gc(); // the GC meters register on the first collection they hear of
            java.util.concurrent.atomic.AtomicReference<Set<String>> names = new java.util.concurrent.atomic.AtomicReference<>();
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                        .pollInterval(java.time.Duration.ofMillis(200)).until(() -> {
                            names.set(Scrape.parse(MetricsFixture.scrape(node, null)).names());
                            return names.get().contains("jvm_gc_pause_seconds_bucket")
                                    && names.get().contains("gatehouse_vip_held");
                        });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // return what the node exports: the caller's assertions name what is missing
            }
            return names.get();
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
