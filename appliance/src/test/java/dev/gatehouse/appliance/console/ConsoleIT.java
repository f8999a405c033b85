package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.LogCapture;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The console API over real HTTPS: uploads served by SNI at once, refusals, authorization, secrets. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {

    @TempDir
    static Path data;
    static TestNode node;
    static LogCapture logs;
    static String admin;
    static String tokenA;
    static String tokenB;
    static String revoked;
    static final DemoPki PKI = DemoPki.create("Console Test CA");
    static final List<String> SECRETS = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        logs = new LogCapture();
        node = new TestNode(data);
        admin = node.adminToken();
        SECRETS.add(admin);
        node.createTenant(admin, "tenant-a");
        node.createTenant(admin, "tenant-b");
        node.assignDomain(admin, "tenant-a", "*.tenant-a.test");
        node.assignDomain(admin, "tenant-b", "shop.tenant-b.test");
        tokenA = token("tenant:tenant-a");
        tokenB = token("tenant:tenant-b");
        revoked = token("tenant:tenant-a");
        String revokedId = revoked.split("_")[1];
        assertThat(node.call("DELETE", "/v1/tokens/" + revokedId, admin, null).status()).isEqualTo(204);
    }

    @AfterAll
    static void stop() throws Exception {
        NodeFixtures.closeAll(node, logs);
    }

    static String token(String scope) throws Exception {
        TestNode.Reply r = node.call("POST", "/v1/tokens", admin, "{\"scope\":\"" + scope + "\"}");
        assertThat(r.status()).isEqualTo(201);
        String t = r.json().get("token").asText();
        SECRETS.add(t);
        return t;
    }

    static String uploadBody(String tenant, DemoPki.Issued cert) throws Exception {
        String key = new String(Pem.privateKey(cert.key()), StandardCharsets.US_ASCII);
        SECRETS.add(key.split("\n")[1]);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", tenant);
        m.put("certificatePem", new String(Pem.certificates(cert.chain()), StandardCharsets.US_ASCII));
        m.put("privateKeyPem", key);
        return TestNode.json(m);
    }

    static int certificateCount() throws Exception {
        return node.call("GET", "/v1/certificates?limit=1000", admin, null).json().get("items").size();
    }

    @Test
    @Order(1)
    void uploadedCertificateIsServedBySniAtOnceAndRefusedAfterDelete() throws Exception {
        Tools.require("curl");
        Tools.require("openssl");
        Path body = Files.writeString(data.resolve("upload.json"), uploadBody("tenant-a", PKI.issueEc("app.tenant-a.test")));
        Tools.Result up = Tools.run(List.of("curl", "-sS", "--cacert", node.node.consoleCertificate().toString(),
                "-H", "Authorization: Bearer " + tokenA, "-H", "Content-Type: application/json",
                "--data-binary", "@" + body, "-w", "\n%{http_code}", node.consoleUrl() + "/v1/certificates"), null, 30);
        assertThat(up.stdout()).as(up.stderr()).endsWith("201");
        String id = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(up.stdout().substring(0, up.stdout().lastIndexOf('\n'))).get("id").asText();
        Path ca = Files.write(data.resolve("ca.pem"), Pem.certificates(List.of(PKI.caCertificate())));

        Tools.Result served = Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + node.httpsPort(),
                "-servername", "app.tenant-a.test", "-CAfile", ca.toString(), "-verify_return_error"),
                "Q\n".getBytes(StandardCharsets.US_ASCII), 20);
        assertThat(served.stdout()).contains("Verify return code: 0 (ok)").containsPattern("CN\\s?=\\s?app.tenant-a.test");

        Tools.Result del = Tools.run(List.of("curl", "-sS", "-X", "DELETE", "--cacert",
                node.node.consoleCertificate().toString(), "-H", "Authorization: Bearer " + tokenA, "-w", "%{http_code}",
                node.consoleUrl() + "/v1/certificates/" + id), null, 30);
        assertThat(del.stdout()).isEqualTo("204");
        Tools.Result refused = Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + node.httpsPort(),
                "-servername", "app.tenant-a.test"), "Q\n".getBytes(StandardCharsets.US_ASCII), 20);
        assertThat(refused.all()).contains("alert number 112");
    }

    static Stream<Arguments> badUploads() throws Exception {
        DemoPki.Issued good = PKI.issueEc("x.tenant-a.test");
        DemoPki.Issued other = PKI.issueEc("y.tenant-a.test");
        KeyPair k = DemoPki.ecKeys();
        DemoPki.Issued expired = PKI.issue(k, Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)),
                "old.tenant-a.test");
        DemoPki.Issued rsa1024 = PKI.issue(DemoPki.rsaKeys(1024), Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(30)), "weak.tenant-a.test");
        DemoPki.Issued p521 = PKI.issue(DemoPki.ecKeys("secp521r1"), Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(30)), "p521.tenant-a.test");
        DemoPki.Issued foreignName = PKI.issueEc("shop.tenant-b.test");

        Map<String, Object> mismatched = new LinkedHashMap<>();
        mismatched.put("tenant", "tenant-a");
        mismatched.put("certificatePem", new String(Pem.certificates(good.chain()), StandardCharsets.US_ASCII));
        mismatched.put("privateKeyPem", new String(Pem.privateKey(other.key()), StandardCharsets.US_ASCII));

        KeyStore p12 = KeyStore.getInstance("PKCS12");
        p12.load(null, null);
        p12.setKeyEntry("k", good.key(), "right".toCharArray(), good.chain().toArray(Certificate[]::new));
        ByteArrayOutputStream p12bytes = new ByteArrayOutputStream();
        p12.store(p12bytes, "right".toCharArray());
        Map<String, Object> wrongPassword = new LinkedHashMap<>();
        wrongPassword.put("tenant", "tenant-a");
        wrongPassword.put("pkcs12", Base64.getEncoder().encodeToString(p12bytes.toByteArray()));
        wrongPassword.put("password", "wrong");

        Map<String, Object> garbage = new LinkedHashMap<>();
        garbage.put("tenant", "tenant-a");
        garbage.put("certificatePem", "this is not PEM");
        garbage.put("privateKeyPem", "neither is this");

        String oversized = "{\"tenant\":\"tenant-a\",\"certificatePem\":\"" + "A".repeat(70_000) + "\"}";
        return Stream.of(
                Arguments.of("garbage", TestNode.json(garbage), 422, "certificate-not-pem", "certificatePem"),
                Arguments.of("key of another certificate", TestNode.json(mismatched), 422, "certificate-key-mismatch",
                        "privateKeyPem"),
                Arguments.of("expired", uploadBody("tenant-a", expired), 422, "certificate-expired", "certificatePem"),
                Arguments.of("RSA-1024", uploadBody("tenant-a", rsa1024), 422, "key-not-allowed", "privateKeyPem"),
                Arguments.of("unsupported curve P-521", uploadBody("tenant-a", p521), 422, "key-not-allowed",
                        "privateKeyPem"),
                Arguments.of("wrong PKCS#12 password", TestNode.json(wrongPassword), 422, "pkcs12-password", "password"),
                Arguments.of("oversized body", oversized, 413, "body-too-large", null),
                Arguments.of("malformed JSON", "{\"tenant\": \"tenant-a\", ", 400, "malformed-json", null),
                Arguments.of("name of another tenant", uploadBody("tenant-a", foreignName), 403, "name-not-claimed",
                        "names"),
                Arguments.of("unknown tenant", uploadBody("tenant-z", good), 404, "not-found", null));
    }

    @ParameterizedTest(name = "{0} -> {2} {3}")
    @MethodSource("badUploads")
    @Order(2)
    void refusesBadUploadWithItsOwnProblemAndChangesNothing(String label, String body, int status, String type,
            String field) throws Exception {
        int before = certificateCount();
        TestNode.Reply r = node.call("POST", "/v1/certificates", admin, body);
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("type").asText()).isEqualTo("https://gatehouse.dev/problems/" + type);
        assertThat(r.json().get("detail").asText()).isNotBlank();
        if (field != null) {
            assertThat(r.json().get("field").asText()).isEqualTo(field);
        }
        assertThat(certificateCount()).isEqualTo(before);
    }

    @Test
    @Order(3)
    void refusesWildcardClaimOverAnotherTenantsName() throws Exception {
        TestNode.Reply r = node.call("POST", "/v1/tenants/tenant-a/domains", tokenA, "{\"name\":\"*.tenant-b.test\"}");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("type").asText()).endsWith("/name-claimed");
        assertThat(r.json().get("detail").asText()).doesNotContain("tenant-b:"); // no leak of who owns it
        TestNode.Reply exact = node.call("POST", "/v1/tenants/tenant-b/domains", tokenB, "{\"name\":\"a.tenant-a.test\"}");
        assertThat(exact.status()).isEqualTo(409);
        assertThat(node.call("GET", "/v1/tenants/tenant-a", admin, null).json().get("domains").toString())
                .doesNotContain("tenant-b");
    }

    /** Every endpoint × every kind of caller. */
    static Stream<Arguments> matrix() {
        // path, method, body, expected for: none, bad, revoked, tenant-a, tenant-b, admin
        return Stream.of(
                Arguments.of("GET", "/v1/status", null, new int[] {401, 401, 401, 200, 200, 200}),
                Arguments.of("GET", "/v1/tenants", null, new int[] {401, 401, 401, 200, 200, 200}),
                Arguments.of("POST", "/v1/tenants", "{\"id\":\"tenant-m\"}", new int[] {401, 401, 401, 403, 403, 201}),
                Arguments.of("GET", "/v1/tenants/tenant-a", null, new int[] {401, 401, 401, 200, 403, 200}),
                Arguments.of("POST", "/v1/tenants/tenant-a/domains", "{\"name\":\"m.tenant-a.test\"}",
                        new int[] {401, 401, 401, 200, 403, 200}),
                Arguments.of("DELETE", "/v1/tenants/tenant-a/domains/m.tenant-a.test", null,
                        new int[] {401, 401, 401, 200, 403, 404}),
                Arguments.of("GET", "/v1/certificates", null, new int[] {401, 401, 401, 200, 200, 200}),
                Arguments.of("GET", "/v1/certificates?tenant=tenant-a", null, new int[] {401, 401, 401, 200, 403, 200}),
                Arguments.of("GET", "/v1/certificates/{a-cert}", null, new int[] {401, 401, 401, 200, 403, 200}),
                Arguments.of("DELETE", "/v1/certificates/{a-cert}", null, new int[] {401, 401, 401, -1, 403, -1}),
                Arguments.of("POST", "/v1/tokens", "{\"scope\":\"admin\"}", new int[] {401, 401, 401, 403, 403, 201}),
                Arguments.of("GET", "/v1/tokens", null, new int[] {401, 401, 401, 403, 403, 200}),
                Arguments.of("DELETE", "/v1/tokens/000000000000", null, new int[] {401, 401, 401, 403, 403, 404}),
                Arguments.of("GET", "/v1/pools", null, new int[] {401, 401, 401, 403, 403, 200}),
                Arguments.of("PUT", "/v1/pools/extra", "{\"servers\":[\"127.0.0.1:9\"]}",
                        new int[] {401, 401, 401, 403, 403, 200}),
                Arguments.of("GET", "/v1/routes", null, new int[] {401, 401, 401, 403, 403, 200}),
                Arguments.of("PUT", "/v1/routes/x.example.test", "{\"pool\":\"extra\"}",
                        new int[] {401, 401, 401, 403, 403, 200}),
                Arguments.of("DELETE", "/v1/routes/x.example.test", null, new int[] {401, 401, 401, 403, 403, 204}),
                Arguments.of("DELETE", "/v1/pools/extra", null, new int[] {401, 401, 401, 403, 403, 204}),
                Arguments.of("GET", "/healthz", null, new int[] {200, 200, 200, 200, 200, 200}),
                Arguments.of("GET", "/readyz", null, new int[] {200, 200, 200, 200, 200, 200}),
                Arguments.of("GET", "/v1/openapi.json", null, new int[] {200, 200, 200, 200, 200, 200}));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("matrix")
    @Order(4)
    void enforcesAuthorizationOnEveryEndpointAndChangesNothingOnRefusal(String method, String path, String body,
            int[] expected) throws Exception {
        String[] callers = {null, "ghk_000000000000_bogus", revoked, tokenA, tokenB, admin};
        String[] names = {"no token", "bad token", "revoked token", "tenant A", "tenant B", "admin"};
        for (int i = 0; i < callers.length; i++) {
            String p = path;
            if (p.contains("{a-cert}")) {
                TestNode.Reply up = node.call("POST", "/v1/certificates", admin,
                        uploadBody("tenant-a", PKI.issueEc("m" + i + ".tenant-a.test")));
                assertThat(up.status()).as(up.body()).isEqualTo(201);
                p = p.replace("{a-cert}", up.json().get("id").asText());
            }
            String snapshot = stateSnapshot();
            TestNode.Reply r = node.call(method, p, callers[i], body);
            int want = expected[i];
            if (want == -1) {
                want = 204;
            }
            if (method.equals("POST") && p.equals("/v1/tenants") && want == 201) {
                body = "{\"id\":\"tenant-m" + i + "\"}";
            }
            assertThat(r.status()).as(names[i] + ": " + method + " " + p + " -> " + r.body()).isEqualTo(want);
            if (r.status() == 401 || r.status() == 403) {
                assertThat(stateSnapshot()).as("no change after refusal of " + names[i]).isEqualTo(snapshot);
                assertThat(r.contentType()).startsWith("application/problem+json");
            }
        }
    }

    /** Everything the store holds, as the admin sees it. */
    private static String stateSnapshot() throws Exception {
        StringBuilder b = new StringBuilder();
        for (String p : List.of("/v1/certificates?limit=1000", "/v1/tenants", "/v1/tokens", "/v1/pools", "/v1/routes")) {
            JsonNode n = node.call("GET", p, admin, null).json();
            // lastUsedAt is this node's memory of authentications (this very call updates it), not store state
            n.get("items").forEach(item -> ((com.fasterxml.jackson.databind.node.ObjectNode) item).remove("lastUsedAt"));
            b.append(n.get("items").toString());
        }
        return b.toString();
    }

    @Test
    @Order(5)
    void tenantTokenSeesOnlyItsOwnCertificates() throws Exception {
        node.call("POST", "/v1/tenants/tenant-b/domains", admin, "{\"name\":\"*.tenant-b.test\"}");
        TestNode.Reply up = node.call("POST", "/v1/certificates", tokenB, uploadBody("tenant-b", PKI.issueEc("www.tenant-b.test")));
        assertThat(up.status()).as(up.body()).isEqualTo(201);
        for (JsonNode c : node.call("GET", "/v1/certificates?limit=1000", tokenA, null).json().get("items")) {
            assertThat(c.get("tenant").asText()).isEqualTo("tenant-a");
        }
        String bId = up.json().get("id").asText();
        assertThat(node.call("GET", "/v1/certificates/" + bId, tokenA, null).status()).isEqualTo(403);
        assertThat(node.call("DELETE", "/v1/certificates/" + bId, tokenA, null).status()).isEqualTo(403);
        assertThat(node.call("PUT", "/v1/certificates/" + bId, tokenA, uploadBody("tenant-a", PKI.issueEc("q.tenant-a.test")))
                .status()).isEqualTo(403);
        assertThat(node.call("GET", "/v1/certificates/" + bId, tokenB, null).status()).isEqualTo(200);
    }

    @Test
    @Order(6)
    void replacesAtomicallyAndListsWithFiltersAndPaging() throws Exception {
        TestNode.Reply first = node.call("POST", "/v1/certificates", tokenA, uploadBody("tenant-a", PKI.issueEc("r.tenant-a.test")));
        String id = first.json().get("id").asText();
        DemoPki.Issued next = PKI.issueEc("r.tenant-a.test", "r2.tenant-a.test");
        TestNode.Reply replaced = node.call("PUT", "/v1/certificates/" + id, tokenA, uploadBody("tenant-a", next));
        assertThat(replaced.status()).as(replaced.body()).isEqualTo(200);
        assertThat(replaced.json().get("id").asText()).isEqualTo(id);
        assertThat(replaced.json().get("names").toString()).contains("r2.tenant-a.test");
        assertThat(Long.parseLong(replaced.json().get("revision").asText()))
                .isGreaterThan(Long.parseLong(first.json().get("revision").asText()));
        TestNode.Reply shown = node.call("GET", "/v1/certificates/" + id, tokenA, null);
        assertThat(shown.json().get("sha256").asText()).hasSize(64);
        assertThat(shown.body()).doesNotContain("PRIVATE KEY").doesNotContain("sealedKey");

        JsonNode byName = node.call("GET", "/v1/certificates?name=r2.tenant-a.test", admin, null).json();
        assertThat(byName.get("items")).hasSize(1);
        JsonNode expiring = node.call("GET", "/v1/certificates?expiringBefore=2000-01-01T00:00:00Z", admin, null).json();
        assertThat(expiring.get("items")).isEmpty();
        JsonNode page1 = node.call("GET", "/v1/certificates?limit=2", admin, null).json();
        assertThat(page1.get("items")).hasSize(2);
        JsonNode page2 = node.call("GET", "/v1/certificates?limit=2&cursor=" + page1.get("next").asText(), admin, null).json();
        assertThat(page2.get("items").get(0).get("id").asText()).isGreaterThan(page1.get("next").asText());
        TestNode.Reply badDate = node.call("GET", "/v1/certificates?expiringBefore=tomorrow", admin, null);
        assertThat(badDate.status()).isEqualTo(400);
        assertThat(badDate.json().get("field").asText()).isEqualTo("expiringBefore");
    }

    @Test
    @Order(7)
    void statusReportsTheNode() throws Exception {
        // (the issue on tenant isolation changed this: a tenant token sees only its own objects, so the node's view
        // is asserted with the admin token, and the tenant's view below)
        JsonNode mine = node.call("GET", "/v1/status", tokenA, null).json();
        assertThat(mine.get("tenant").asText()).isEqualTo("tenant-a");
        assertThat(mine.has("listeners")).isFalse();
        assertThat(mine.has("node")).isFalse();
        JsonNode s = node.call("GET", "/v1/status", admin, null).json();
        assertThat(s.get("node").asText()).isEqualTo("test-node");
        assertThat(s.get("certificates").asInt()).isPositive();
        assertThat(s.get("listeners").get("https").asText()).endsWith(":" + node.httpsPort());
        assertThat(s.get("uptimeSeconds").asLong()).isGreaterThanOrEqualTo(0);
    }

    @Test
    @Order(8)
    void refusesAccessLogReopenWhenTheLogIsOffAndToTenantTokens() throws Exception {
        TestNode.Reply off = node.call("POST", "/v1/access-log/reopen", admin, null);
        assertThat(off.status()).isEqualTo(409);
        assertThat(off.json().get("type").asText()).endsWith("/access-log-disabled");
        assertThat(node.call("POST", "/v1/access-log/reopen", tokenA, null).status()).isEqualTo(403);
    }

    @Test
    @Order(99)
    void secretsNeverAppearInResponsesLogsOrAudit() throws Exception {
        List<String> haystacks = new ArrayList<>(node.responses);
        haystacks.addAll(logs.lines());
        haystacks.add(Files.readString(data.resolve("audit.log")));
        for (String secret : SECRETS) {
            for (String h : haystacks) {
                if (h.contains(secret)) {
                    // the one place a token may appear: the response that created it
                    assertThat(h).as("secret leaked").contains("\"token\"");
                    assertThat(secret).startsWith("ghk_");
                }
            }
        }
        String audit = Files.readString(data.resolve("audit.log"));
        assertThat(audit).contains("\"action\":\"certificate.upload\"").contains("\"action\":\"token.revoke\"")
                .doesNotContain("PRIVATE KEY").doesNotContain("ghk_");
        for (String line : audit.split("\n")) {
            JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            assertThat(n.has("ts") && n.has("actor") && n.has("action") && n.has("object") && n.has("outcome")).isTrue();
        }
    }
}
