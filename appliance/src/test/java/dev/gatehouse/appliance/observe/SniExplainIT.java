package dev.gatehouse.appliance.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.Main;
import dev.gatehouse.appliance.console.OpenApi;
import dev.gatehouse.appliance.testing.LogCapture;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.EchoBackend;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.TlsProbe;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One real node over HTTPS: {@code GET /v1/sni/{name}} for exact, wildcard, default and no match,
 * as an admin and as tenants (who see their own names and certificates only); runtime log levels
 * seen in the log itself; backend health in {@code /v1/pools} and {@code /v1/status}; the CLI.
 */
class SniExplainIT {

    private static final DemoPki PKI = DemoPki.create("Explain Test CA");
    @TempDir
    static Path dir;
    static TestNode node;
    static String admin;
    static String tokenA;
    static String tokenB;
    static String appEc;
    static String appRsa;
    static String wild;
    static String shopB;
    static TlsProbe probe;

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(dir.resolve("node"));
        admin = node.adminToken();
        probe = new TlsProbe(Pem.certificates(List.of(PKI.caCertificate())));
        node.createTenant(admin, "tenant-a");
        node.createTenant(admin, "tenant-b");
        node.assignDomain(admin, "tenant-a", "*.tenant-a.test");
        node.assignDomain(admin, "tenant-a", "app.tenant-a.test");
        node.assignDomain(admin, "tenant-b", "shop.tenant-b.test");
        tokenA = token("tenant:tenant-a");
        tokenB = token("tenant:tenant-b");
        appEc = upload(node, admin, "tenant-a", PKI.issueEc("app.tenant-a.test"));
        appRsa = upload(node, admin, "tenant-a", PKI.issueRsa(2048, "app.tenant-a.test"));
        wild = upload(node, admin, "tenant-a", PKI.issueEc("*.tenant-a.test"));
        shopB = upload(node, admin, "tenant-b", PKI.issueEc("shop.tenant-b.test"));
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    static String token(String scope) throws Exception {
        TestNode.Reply r = node.call("POST", "/v1/tokens", admin, "{\"scope\":\"" + scope + "\"}");
        assertThat(r.status()).isEqualTo(201);
        return r.json().get("token").asText();
    }

    static String upload(TestNode n, String token, String tenant, DemoPki.Issued cert) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", tenant);
        m.put("certificatePem", new String(Pem.certificates(cert.chain()), StandardCharsets.US_ASCII));
        m.put("privateKeyPem", new String(Pem.privateKey(cert.key()), StandardCharsets.US_ASCII));
        TestNode.Reply r = n.call("POST", "/v1/certificates", token, TestNode.json(m));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    static JsonNode explain(TestNode n, String token, String name) throws Exception {
        TestNode.Reply r = n.call("GET", "/v1/sni/" + name, token, null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    static JsonNode candidate(JsonNode e, String id) {
        for (JsonNode c : e.get("candidates")) {
            if (c.get("id").asText().equals(id)) {
                return c;
            }
        }
        throw new AssertionError("no candidate " + id + " in " + e);
    }

    static Set<String> fields(JsonNode n) {
        Set<String> out = new LinkedHashSet<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void explainsAnExactMatchWithItsEcdsaAndRsaCandidatesAndTheShadowedWildcard() throws Exception {
        JsonNode e = explain(node, admin, "APP.tenant-a.test.");
        assertThat(e.get("name").asText()).isEqualTo("app.tenant-a.test");
        assertThat(e.get("node").asText()).isEqualTo("test-node");
        assertThat(e.get("match").asText()).isEqualTo("exact");
        assertThat(e.get("pattern").asText()).isEqualTo("app.tenant-a.test");
        assertThat(e.at("/served/ecdsa").asText()).isEqualTo(appEc);
        assertThat(e.at("/served/rsa").asText()).isEqualTo(appRsa);
        assertThat(e.at("/claim/tenant").asText()).isEqualTo("tenant-a");
        assertThat(candidate(e, appEc).get("outcome").asText()).isEqualTo("served-to-ecdsa-clients");
        assertThat(candidate(e, appEc).get("keyType").asText()).isEqualTo("ECDSA-P-256");
        assertThat(candidate(e, appRsa).get("outcome").asText()).isEqualTo("served-to-rsa-clients");
        assertThat(candidate(e, appRsa).get("keyType").asText()).isEqualTo("RSA-2048");
        assertThat(candidate(e, wild).get("outcome").asText()).isEqualTo("shadowed-by-exact");
        JsonNode stored = node.call("GET", "/v1/certificates/" + appEc, admin, null).json();
        assertThat(candidate(e, appEc).get("revision").asText()).isEqualTo(stored.get("revision").asText());
        assertThat(candidate(e, appEc).get("sha256").asText()).isEqualTo(stored.get("sha256").asText());
        assertThat(candidate(e, appEc).get("notAfter").asText()).isEqualTo(stored.get("notAfter").asText());
        assertThat(candidate(e, appEc).get("tenant").asText()).isEqualTo("tenant-a");
        assertThat(e.get("otherMembers")).as("a single node reports itself only").isEmpty();
        assertThat(e.get("withheld").asBoolean()).isFalse();
        // exactly the documented fields
        JsonNode doc = OpenApi.document();
        assertThat(fields(e)).isEqualTo(fields(doc.at("/components/schemas/SniExplanation/properties")));
        assertThat(fields(candidate(e, appEc))).isEqualTo(fields(doc.at("/components/schemas/SniCandidate/properties")));
    }

    @Test
    void reportsTheTlsContextLoadedAfterAHandshake() throws Exception {
        probe.leaf(node.httpsPort(), "www.tenant-a.test");
        JsonNode e = explain(node, admin, "www.tenant-a.test");
        assertThat(e.get("match").asText()).isEqualTo("wildcard");
        assertThat(e.get("pattern").asText()).isEqualTo("*.tenant-a.test");
        assertThat(e.at("/served/ecdsa").asText()).isEqualTo(wild);
        assertThat(candidate(e, wild).get("outcome").asText()).isEqualTo("served");
        assertThat(candidate(e, wild).get("contextLoaded").asBoolean()).isTrue();
    }

    @Test
    void explainsANameNothingCovers() throws Exception {
        JsonNode e = explain(node, admin, "nobody.example");
        assertThat(e.get("match").asText()).isEqualTo("none");
        assertThat(e.get("served").get("ecdsa").isNull()).isTrue();
        assertThat(e.get("served").get("rsa").isNull()).isTrue();
        assertThat(e.get("candidates")).isEmpty();
        assertThat(e.get("claim").isNull()).isTrue();
        assertThat(node.call("GET", "/v1/sni/not_a..name", admin, null).status()).isEqualTo(422);
    }

    @Test
    void aTenantSeesItsOwnNamesOnlyAndIsRefusedOthersWithoutLearningAnything() throws Exception {
        String before = node.call("GET", "/v1/certificates?limit=1000", admin, null).body()
                + node.call("GET", "/v1/domains", admin, null).body();
        JsonNode own = explain(node, tokenA, "app.tenant-a.test");
        assertThat(own.get("match").asText()).isEqualTo("exact");
        assertThat(own.at("/served/ecdsa").asText()).isEqualTo(appEc);
        assertThat(own.has("otherMembers")).isFalse();
        own.get("candidates").forEach(c -> assertThat(c.get("tenant").asText()).isEqualTo("tenant-a"));

        TestNode.Reply othersName = node.call("GET", "/v1/sni/shop.tenant-b.test", tokenA, null);
        TestNode.Reply unclaimed = node.call("GET", "/v1/sni/nobody.tenant-b.test", tokenA, null);
        assertThat(othersName.status()).isEqualTo(404);
        assertThat(unclaimed.status()).isEqualTo(404);
        assertThat(othersName.body()).doesNotContain(shopB).doesNotContain("tenant-b\"");
        assertThat(othersName.json().get("detail").asText().replace("shop.", "nobody."))
                .as("the same refusal for a name of another tenant and an unclaimed one")
                .isEqualTo(unclaimed.json().get("detail").asText());

        JsonNode b = explain(node, tokenB, "shop.tenant-b.test");
        assertThat(b.toString()).doesNotContain("tenant-a").doesNotContain(appEc);
        assertThat(node.call("GET", "/v1/sni/app.tenant-a.test", tokenB, null).status()).isEqualTo(404);
        String after = node.call("GET", "/v1/certificates?limit=1000", admin, null).body()
                + node.call("GET", "/v1/domains", admin, null).body();
        assertThat(after).isEqualTo(before);
    }

    @Test
    void explainsTheDefaultCertificateAndWithholdsItFromTenants() throws Exception {
        Path certs = Files.createDirectories(dir.resolve("certs"));
        DemoPki.Issued fallback = PKI.issueEc("fallback.test");
        NodeFixtures.writePem(certs.resolve("fallback.pem"), fallback);
        try (TestNode withDefault = new TestNode(dir.resolve("default-node"), "default-node",
                "tls: {certificateDirs: ['" + certs + "'], defaultCertificate: fallback}")) {
            String adm = withDefault.adminToken();
            JsonNode e = explain(withDefault, adm, "unknown.example");
            assertThat(e.get("match").asText()).isEqualTo("default");
            assertThat(e.get("pattern").isNull()).isTrue();
            assertThat(e.at("/served/ecdsa").asText()).isEqualTo("fallback");
            JsonNode c = candidate(e, "fallback");
            assertThat(c.get("source").asText()).isEqualTo("file");
            assertThat(c.get("tenant").isNull()).isTrue();
            assertThat(c.get("outcome").asText()).isEqualTo("served");

            assertThat(withDefault.call("POST", "/v1/tenants", adm, "{\"id\":\"tenant-c\"}").status()).isEqualTo(201);
            assertThat(withDefault.call("POST", "/v1/tenants/tenant-c/domains", adm, "{\"name\":\"new.tenant-c.test\"}")
                    .status()).isEqualTo(200);
            TestNode.Reply t = withDefault.call("POST", "/v1/tokens", adm, "{\"scope\":\"tenant:tenant-c\"}");
            JsonNode mine = explain(withDefault, t.json().get("token").asText(), "new.tenant-c.test");
            assertThat(mine.get("match").asText()).isEqualTo("default");
            assertThat(mine.get("withheld").asBoolean()).isTrue();
            assertThat(mine.at("/served/ecdsa").isNull()).isTrue();
            assertThat(mine.get("candidates")).isEmpty();
            assertThat(mine.toString()).doesNotContain("fallback");
        }
    }

    @Test
    void aLoggerSetToDebugLogsDebugLinesWhileAnotherStaysAtInfo() throws Exception {
        String sni = "dev.gatehouse.tls.sni.TenantSniHandler";
        String proxy = "dev.gatehouse.tls.proxy";
        try (LogCapture logs = new LogCapture()) {
            assertThat(node.call("PUT", "/v1/log-levels/ROOT", admin, "{\"level\":\"INFO\"}").status()).isEqualTo(200);
            TestNode.Reply set = node.call("PUT", "/v1/log-levels/" + sni, admin, "{\"level\":\"debug\"}");
            assertThat(set.status()).as(set.body()).isEqualTo(200);
            assertThat(set.json().get("level").asText()).isEqualTo("DEBUG");
            assertThat(set.json().get("effectiveLevel").asText()).isEqualTo("DEBUG");

            assertThatThrownBy(() -> probe.leaf(node.httpsPort(), "refused.example")).isInstanceOf(SSLException.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> debugLines(logs, sni).stream()
                    .anyMatch(l -> l.contains("event=handshake_refused") && l.contains("refused.example")));
            // a request the proxy refuses would log at DEBUG too: its logger inherits INFO from ROOT
            probe.get(node.httpsPort(), "www.tenant-a.test", "/");
            assertThat(debugLines(logs, proxy)).isEmpty();
            assertThat(logs.events()).filteredOn(ev -> ev.getLevel() == Level.DEBUG)
                    .allMatch(ev -> ev.getLoggerName().equals(sni));

            JsonNode list = node.call("GET", "/v1/log-levels", admin, null).json();
            assertThat(list.at("/items/0/logger").asText()).isEqualTo("ROOT");
            assertThat(list.get("items").toString()).contains("{\"logger\":\"" + sni
                    + "\",\"level\":\"DEBUG\",\"effectiveLevel\":\"DEBUG\"}");

            TestNode.Reply bad = node.call("PUT", "/v1/log-levels/" + sni, admin, "{\"level\":\"LOUD\"}");
            assertThat(bad.status()).isEqualTo(422);
            assertThat(bad.json().get("field").asText()).isEqualTo("level");
            assertThat(node.call("PUT", "/v1/log-levels/" + sni, admin, "{}").status()).isEqualTo(422);
            assertThat(node.call("PUT", "/v1/log-levels/ROOT", admin, "{\"level\":null}").status()).isEqualTo(422);
            assertThat(node.call("PUT", "/v1/log-levels/" + sni, tokenA, "{\"level\":\"TRACE\"}").status())
                    .isEqualTo(403);
            assertThat(node.call("GET", "/v1/log-levels", tokenA, null).status()).isEqualTo(403);

            TestNode.Reply back = node.call("PUT", "/v1/log-levels/" + sni, admin, "{\"level\":null}");
            assertThat(back.json().get("effectiveLevel").asText()).isEqualTo("INFO");
            int seen = debugLines(logs, sni).size();
            assertThatThrownBy(() -> probe.leaf(node.httpsPort(), "refused-again.example"))
                    .isInstanceOf(SSLException.class);
            probe.leaf(node.httpsPort(), "www.tenant-a.test"); // a later handshake: the refusal was logged by now
            assertThat(debugLines(logs, sni)).hasSize(seen);
        }
    }

    private static List<String> debugLines(LogCapture logs, String loggerPrefix) {
        List<String> out = new ArrayList<>();
        for (ILoggingEvent ev : logs.events()) {
            if (ev.getLevel() == Level.DEBUG && ev.getLoggerName().startsWith(loggerPrefix)) {
                out.add(ev.getFormattedMessage());
            }
        }
        return out;
    }

    @Test
    void poolsShowEachServersHealthAndItGoesDownWithTheBackend() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        EchoBackend flaky = EchoBackend.start("flaky", "127.0.0.1", 0);
        boolean stopped = false;
        try {
            String body = "{\"servers\":[\"127.0.0.1:" + flaky.port() + "\",\"127.0.0.1:" + closed
                    + "\"],\"healthPath\":\"/healthz\"}";
            TestNode.Reply put = node.call("PUT", "/v1/pools/flaky", admin, body);
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            assertThat(put.json().at("/health/0/status").asText()).as("not routed yet").isEqualTo("unrouted");
            assertThat(node.call("PUT", "/v1/routes/flaky.tenant-a.test", admin, "{\"pool\":\"flaky\"}").status())
                    .isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                JsonNode h = pool("flaky").get("health");
                assertThat(h.at("/0/server").asText()).isEqualTo("127.0.0.1:" + flaky.port());
                assertThat(h.at("/0/status").asText()).isEqualTo("up");
                assertThat(h.at("/0/lastCheck").isTextual()).isTrue();
                assertThat(h.at("/0/checked").asBoolean()).isTrue();
                assertThat(h.at("/1/status").asText()).isEqualTo("down");
                assertThat(h.at("/1/lastError").asText()).contains("connect");
            });
            String upSince = pool("flaky").at("/health/0/since").asText();
            flaky.close();
            stopped = true;
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                JsonNode h = pool("flaky").get("health");
                assertThat(h.at("/0/status").asText()).isEqualTo("down");
                assertThat(h.at("/0/lastError").isTextual()).isTrue();
                assertThat(h.at("/0/since").asText()).isNotEqualTo(upSince);
            });
            // a routing change elsewhere keeps what the node knows of this server
            assertThat(node.call("PUT", "/v1/pools/other", admin, "{\"servers\":[\"127.0.0.1:" + closed + "\"]}")
                    .status()).isEqualTo(200);
            assertThat(pool("flaky").at("/health/0/status").asText()).isEqualTo("down");

            JsonNode status = node.call("GET", "/v1/status", admin, null).json();
            assertThat(status.get("pools").toString()).contains("\"name\":\"app\"").contains("\"name\":\"flaky\"");
            assertThat(node.call("GET", "/v1/status", tokenA, null).json().has("pools")).isFalse();

            Cli st = cli("status", "--token", admin);
            assertThat(st.exit()).as(st.err()).isZero();
            assertThat(st.out()).containsPattern("Pool flaky 127\\.0\\.0\\.1:" + flaky.port() + " +down since ");
        } finally {
            if (!stopped) {
                flaky.close();
            }
            node.call("DELETE", "/v1/routes/flaky.tenant-a.test", admin, null);
        }
    }

    private static JsonNode pool(String name) throws Exception {
        for (JsonNode p : node.call("GET", "/v1/pools", admin, null).json().get("items")) {
            if (p.get("name").asText().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no pool " + name);
    }

    record Cli(int exit, String out, String err) {
    }

    static Cli cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--console", node.consoleUrl(), "--cacert", node.node.consoleCertificate().toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(all.toArray(String[]::new));
        return new Cli(exit, out.toString(), err.toString());
    }

    @Test
    void theCliExplainsANameAndSetsAndListsLevels() throws Exception {
        Cli explain = cli("sni", "explain", "app.tenant-a.test", "--token", admin);
        assertThat(explain.exit()).as(explain.err()).isZero();
        assertThat(explain.out()).contains("exact app.tenant-a.test").contains(appEc).contains(appRsa)
                .contains("served-to-rsa-clients").contains("shadowed-by-exact");
        Cli refused = cli("sni", "explain", "shop.tenant-b.test", "--token", tokenA);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("not covered by a verified claim");

        Cli set = cli("log", "level", "dev.gatehouse.appliance.observe", "WARN", "--token", admin);
        assertThat(set.exit()).as(set.err()).isZero();
        assertThat(set.out()).containsPattern("dev\\.gatehouse\\.appliance\\.observe +WARN +WARN");
        Cli levels = cli("log", "levels", "--token", admin);
        assertThat(levels.out()).contains("ROOT").containsPattern("dev\\.gatehouse\\.appliance\\.observe +WARN");
        Cli bad = cli("log", "level", "ROOT", "CHATTY", "--token", admin);
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("level").contains("CHATTY");
        assertThat(cli("log", "level", "dev.gatehouse.appliance.observe", "inherit", "--token", admin).exit()).isZero();
    }
}
