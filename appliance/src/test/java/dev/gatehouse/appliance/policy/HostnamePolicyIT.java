package dev.gatehouse.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.EchoBackend;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.Tools;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-hostname policy through the console API, proved with real clients against a whole node in
 * this JVM: openssl s_client for the TLS minimum (refused for one name, accepted for another on the
 * same listener), curl over HTTP/1.1 and HTTP/2 for HSTS, the IP lists, the rate limit, error pages,
 * metadata, origin override and the port-80 redirect; the echo backend shows what it received.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HostnamePolicyIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String A = "tenant-a";
    private static final String B = "tenant-b";

    @TempDir
    static Path dir;
    static TestNode node;
    static EchoBackend alt;
    static Path caFile;
    static String admin;
    static String tokenA;
    static String tokenB;

    private static final List<String> NAMES_A = List.of("strict.tenant-a.test", "plain.tenant-a.test",
            "hsts.tenant-a.test", "allow.tenant-a.test", "deny.tenant-a.test", "rate.tenant-a.test",
            "down.tenant-a.test", "meta.tenant-a.test", "origin.tenant-a.test", "redir.tenant-a.test",
            "cli.tenant-a.test");

    @BeforeAll
    static void start() throws Exception {
        Tools.require("curl");
        Tools.require("openssl");
        node = new TestNode(dir.resolve("node"), "policy-it", "maxUploadBytes: 1MiB", "");
        alt = EchoBackend.start("backend-alt", "127.0.0.1", 0);
        DemoPki pki = DemoPki.create("HostnamePolicyIT CA");
        caFile = dir.resolve("ca.crt");
        Files.write(caFile, Pem.certificates(List.of(pki.caCertificate())));
        Principal root = new Principal("it", Principal.ADMIN);
        node.node.tenants().create(root, A, "Tenant A");
        node.node.tenants().create(root, B, "Tenant B");
        for (String n : NAMES_A) {
            node.node.domains().claim(root, A, n, true);
        }
        node.node.domains().claim(root, B, "shop.tenant-b.test", true);
        DemoPki.Issued cert = pki.issueEc(NAMES_A.toArray(String[]::new));
        node.node.certificates().upload(root, new CertificateService.Upload(A,
                new String(Pem.certificates(cert.chain()), StandardCharsets.US_ASCII),
                new String(Pem.privateKey(cert.key()), StandardCharsets.US_ASCII), null, null));
        admin = node.adminToken();
        tokenA = node.node.tokens().create("tenant:" + A, "policy-it").token();
        tokenB = node.node.tokens().create("tenant:" + B, "policy-it").token();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        ok(node.call("PUT", "/v1/pools/dead", admin, "{\"servers\": [\"127.0.0.1:" + closed
                + "\"], \"healthPath\": \"/healthz\"}"));
        ok(node.call("PUT", "/v1/routes/down.tenant-a.test", admin, "{\"pool\": \"dead\"}"));
        ok(node.call("PUT", "/v1/pools/alt", admin, "{\"servers\": [\"127.0.0.1:" + alt.port() + "\"]}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> node.node.edge().registry().size() > 0);
    }

    @AfterAll
    static void stop() throws Exception {
        NodeFixtures.closeAll(node, alt);
    }

    // ---- minTlsVersion ---------------------------------------------------------------------------

    @Test
    void refusesTls12ForAStrictNameAndAcceptsItForAnotherNameOnTheSameListener() throws Exception {
        put(admin, "strict.tenant-a.test", Map.of("minTlsVersion", "1.3"));
        Tools.Result refused = sClient("strict.tenant-a.test", "-tls1_2");
        assertThat(refused.exitCode()).as(refused.all()).isNotZero();
        assertThat(refused.all()).containsIgnoringCase("protocol version");
        Tools.Result other = sClient("plain.tenant-a.test", "-tls1_2");
        assertThat(other.exitCode()).as(other.all()).isZero();
        assertThat(other.all()).contains("TLSv1.2");
        Tools.Result strict13 = sClient("strict.tenant-a.test", "-tls1_3");
        assertThat(strict13.exitCode()).as(strict13.all()).isZero();
        assertThat(strict13.all()).contains("TLSv1.3");
    }

    // ---- hsts --------------------------------------------------------------------------------------

    @Test
    void addsHstsOverHttp11AndHttp2AndPreloadOnlyWhenAsked() throws Exception {
        put(admin, "hsts.tenant-a.test", Map.of("hsts", Map.of("maxAge", 31536000, "includeSubDomains", true)));
        for (String flag : List.of("--http1.1", "--http2")) {
            String head = curl(flag, "hsts.tenant-a.test", "/", "-D", "-", "-o", "/dev/null");
            assertThat(head).as(flag).containsIgnoringCase("strict-transport-security: max-age=31536000; "
                    + "includeSubDomains");
            assertThat(head).as(flag).doesNotContainIgnoringCase("preload");
        }
        put(admin, "hsts.tenant-a.test", Map.of("hsts", Map.of("maxAge", 600, "preload", true)));
        assertThat(curl("--http2", "hsts.tenant-a.test", "/", "-D", "-", "-o", "/dev/null"))
                .containsIgnoringCase("strict-transport-security: max-age=600; preload");
        assertThat(curl("--http1.1", "plain.tenant-a.test", "/", "-D", "-", "-o", "/dev/null"))
                .doesNotContainIgnoringCase("strict-transport-security");
    }

    // ---- ipAllow / ipDeny ---------------------------------------------------------------------------

    @Test
    void enforcesATenThousandEntryAllowListSetByTheTenant() throws Exception {
        List<String> others = new ArrayList<>();
        for (int i = 0; others.size() < 9_999; i++) {
            others.add("10." + (i / 256) + "." + (i % 256) + ".0/24");
        }
        List<String> without = new ArrayList<>(others);
        without.add("2001:db8::/32");
        assertThat(without).hasSize(10_000);
        put(tokenA, "allow.tenant-a.test", Map.of("ipAllow", without));
        assertThat(status("--http1.1", "allow.tenant-a.test", "/")).isEqualTo("403");
        assertThat(status("--http2", "allow.tenant-a.test", "/")).isEqualTo("403");
        assertThat(status("--http1.1", "plain.tenant-a.test", "/")).isEqualTo("200");

        List<String> with = new ArrayList<>(others);
        with.add("127.0.0.0/30");
        put(tokenA, "allow.tenant-a.test", Map.of("ipAllow", with));
        assertThat(status("--http1.1", "allow.tenant-a.test", "/")).isEqualTo("200");

        List<String> tooMany = new ArrayList<>(with);
        tooMany.add("192.0.2.0/24");
        TestNode.Reply r = node.call("PUT", "/v1/domains/allow.tenant-a.test/policy", tokenA,
                JSON.writeValueAsString(Map.of("ipAllow", tooMany)));
        assertThat(r.status()).as(r.body()).isEqualTo(403);
        assertThat(r.json().path("field").asText()).isEqualTo("ipAllow");
    }

    @Test
    void refusesADeniedClientWith403OrWithATlsAlertWhenConfigured() throws Exception {
        put(admin, "deny.tenant-a.test", Map.of("ipDeny", List.of("127.0.0.0/8", "::1/128")));
        assertThat(status("--http1.1", "deny.tenant-a.test", "/")).isEqualTo("403");
        put(admin, "deny.tenant-a.test", Map.of("ipDeny", List.of("127.0.0.0/8"), "ipDenyAction", "alert"));
        Tools.Result r = sClient("deny.tenant-a.test", "-tls1_3");
        assertThat(r.exitCode()).as(r.all()).isNotZero();
        assertThat(r.all()).containsIgnoringCase("access denied");
    }

    // ---- rateLimit ---------------------------------------------------------------------------------

    @Test
    void answers429WithRetryAfterBeyondTheBurst() throws Exception {
        put(admin, "rate.tenant-a.test", Map.of("rateLimit", Map.of("requestsPerSecond", 0.2, "burst", 2)));
        // three requests well within the 5 s a token takes to come back: the burst, then a refusal
        assertThat(status("--http1.1", "rate.tenant-a.test", "/")).isEqualTo("200");
        assertThat(status("--http2", "rate.tenant-a.test", "/")).isEqualTo("200");
        String out = curl("--http1.1", "rate.tenant-a.test", "/", "-D", "-");
        assertThat(out.lines().findFirst().orElseThrow()).contains("429");
        String retry = out.lines().filter(l -> l.toLowerCase().startsWith("retry-after:")).findFirst().orElseThrow();
        assertThat(Integer.parseInt(retry.substring(retry.indexOf(':') + 1).trim())).isBetween(1, 5);
    }

    // ---- errorPages --------------------------------------------------------------------------------

    @Test
    void servesTheTenantsErrorPageOnA503() throws Exception {
        put(tokenA, "down.tenant-a.test", Map.of("errorPages", Map.of("503",
                "<html><body>Tenant A is resting</body></html>")));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> status("--http1.1", "down.tenant-a.test", "/"), "503"::equals);
        for (String flag : List.of("--http1.1", "--http2")) {
            String out = curl(flag, "down.tenant-a.test", "/", "-D", "-");
            assertThat(out).as(flag).contains("Tenant A is resting");
            assertThat(out).as(flag).containsIgnoringCase("content-type: text/html");
        }
    }

    // ---- metadata ----------------------------------------------------------------------------------

    @Test
    void forwardsTheMetadataToTheBackendInOneBase64Header() throws Exception {
        Map<String, Object> meta = Map.of("tenant", "a", "plan", "gold");
        put(tokenA, "meta.tenant-a.test", Map.of("metadata", meta));
        for (String flag : List.of("--http1.1", "--http2")) {
            String body = curl(flag, "meta.tenant-a.test", "/", "-H", "X-Gatehouse-Metadata: forged");
            String line = body.lines().filter(l -> l.startsWith("x-gatehouse-metadata:")).findFirst().orElseThrow();
            String b64 = line.substring(line.indexOf(':') + 1).trim();
            assertThat(JSON.readTree(Base64.getDecoder().decode(b64))).isEqualTo(JSON.valueToTree(meta));
            assertThat(body).as(flag).doesNotContain("forged");
        }
        assertThat(curl("--http1.1", "plain.tenant-a.test", "/", "-H", "X-Gatehouse-Metadata: forged"))
                .doesNotContain("forged").doesNotContain("x-gatehouse-metadata");
    }

    // ---- origin ------------------------------------------------------------------------------------

    @Test
    void sendsToTheOriginPoolWithTheHostRewritten() throws Exception {
        assertThat(curl("--http1.1", "origin.tenant-a.test", "/", new String[0])).contains("backend: backend-1");
        put(admin, "origin.tenant-a.test", Map.of("origin", Map.of("pool", "alt", "host", "internal.example:8080")));
        for (String flag : List.of("--http1.1", "--http2")) {
            String body = curl(flag, "origin.tenant-a.test", "/", new String[0]);
            assertThat(body).as(flag).contains("backend: backend-alt", "host: internal.example:8080",
                    "x-forwarded-host: origin.tenant-a.test");
        }
        // a tenant may not move its traffic to another pool unless policy.tenants.origin allows it
        TestNode.Reply r = node.call("PUT", "/v1/domains/origin.tenant-a.test/policy", tokenA,
                "{\"origin\": {\"pool\": \"alt\"}}");
        assertThat(r.status()).as(r.body()).isEqualTo(403);
        assertThat(r.json().path("field").asText()).isEqualTo("origin");
    }

    // ---- redirectHttp ------------------------------------------------------------------------------

    @Test
    void redirectsPort80WithThePolicysStatus() throws Exception {
        put(admin, "redir.tenant-a.test", Map.of("redirectHttp", Map.of("status", 301)));
        assertThat(plain("redir.tenant-a.test")).contains("301", "https://redir.tenant-a.test:" + node.httpsPort()
                + "/x");
        assertThat(plain("plain.tenant-a.test")).contains("308");
        put(admin, "redir.tenant-a.test", Map.of("redirectHttp", false));
        assertThat(plain("redir.tenant-a.test")).contains("404");
    }

    // ---- who may read and write --------------------------------------------------------------------

    @Test
    void aTenantCannotReadOrSetAnotherTenantsPolicy() throws Exception {
        put(tokenA, "plain.tenant-a.test", Map.of("hsts", Map.of("maxAge", 60)));
        TestNode.Reply own = node.call("GET", "/v1/domains/plain.tenant-a.test/policy", tokenA, null);
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.json().path("tenant").asText()).isEqualTo(A);
        assertThat(own.json().at("/policy/hsts/maxAge").asLong()).isEqualTo(60);
        for (String[] call : List.of(new String[] {"GET", null}, new String[] {"PUT", "{}"},
                new String[] {"DELETE", null})) {
            TestNode.Reply r = node.call(call[0], "/v1/domains/plain.tenant-a.test/policy", tokenB, call[1]);
            assertThat(r.status()).as(call[0] + " " + r.body()).isEqualTo(404);
            assertThat(r.body()).doesNotContain("maxAge");
        }
        assertThat(node.call("GET", "/v1/domains/plain.tenant-a.test/policy", tokenA, null).json()
                .at("/policy/hsts/maxAge").asLong()).as("unchanged by the refused calls").isEqualTo(60);
        ok(node.call("DELETE", "/v1/domains/plain.tenant-a.test/policy", tokenA, null));
        assertThat(node.call("GET", "/v1/domains/plain.tenant-a.test/policy", tokenA, null).status()).isEqualTo(404);
    }

    @Test
    void aPolicyStopsApplyingWhenItsTenantLosesTheNameAndTheNextOwnerCannotSeeIt() throws Exception {
        Principal root = new Principal("it", Principal.ADMIN);
        String name = "handover.tenant-a.test";
        node.node.domains().claim(root, A, name, true);
        put(tokenA, name, Map.of("metadata", Map.of("secret", "of tenant a")));
        assertThat(node.node.edge().policies().forName(name)).isNotNull();
        node.node.domains().delete(root, name, A);
        await().atMost(Duration.ofSeconds(2)).until(() -> node.node.edge().policies().forName(name) == null);
        node.node.domains().claim(root, B, name, true);
        TestNode.Reply r = node.call("GET", "/v1/domains/" + name + "/policy", tokenB, null);
        assertThat(r.status()).as(r.body()).isEqualTo(404);
        assertThat(r.body()).doesNotContain("of tenant a");
        assertThat(node.node.edge().policies().forName(name)).as("tenant a's policy is not applied for b").isNull();
        put(tokenB, name, Map.of("hsts", Map.of("maxAge", 5)));
        assertThat(node.node.edge().policies().forName(name).metadata()).isNull();
    }

    @Test
    void refusesBadInputNamingTheFieldAndTheValue() throws Exception {
        String[][] cases = {
            {"{\"minTlsVersion\": \"1.1\"}", "minTlsVersion", "1.1"},
            {"{\"hsts\": {\"maxAge\": -5}}", "hsts.maxAge", "-5"},
            {"{\"redirectHttp\": {\"status\": 303}}", "redirectHttp.status", "303"},
            {"{\"ipAllow\": [\"10.0.0.0/8\", \"10.0.0.0/33\"]}", "ipAllow", "10.0.0.0/33"},
            {"{\"ipDeny\": \"10.0.0.0/8\"}", "ipDeny", "string"},
            {"{\"rateLimit\": {\"requestsPerSecond\": 0}}", "rateLimit.requestsPerSecond", "0"},
            {"{\"errorPages\": {\"500\": \"<p>x</p>\"}}", "errorPages.500", "unknown status"},
            {"{\"metadata\": {\"x\": \"" + "y".repeat(4100) + "\"}}", "metadata", "bytes"},
            {"{\"origin\": {\"pool\": \"nope\"}}", "origin.pool", "nope"},
            {"{\"origin\": {\"pool\": \"alt\", \"sni\": \"x.example\"}}", "origin.sni", "x.example"},
            {"{\"colour\": \"blue\"}", "colour", "unknown field"},
        };
        for (String[] c : cases) {
            TestNode.Reply r = node.call("PUT", "/v1/domains/plain.tenant-a.test/policy", admin, c[0]);
            assertThat(r.status()).as(c[0] + " → " + r.body()).isEqualTo(400);
            assertThat(r.json().path("field").asText()).as(c[0]).isEqualTo(c[1]);
            assertThat(r.json().path("detail").asText()).as(c[0]).contains(c[1]).contains(c[2]);
        }
        assertThat(node.call("PUT", "/v1/domains/not a name/policy".replace(" ", "%20"), admin, "{}").status())
                .isEqualTo(400);
    }

    // ---- CLI ---------------------------------------------------------------------------------------

    @Test
    void theCliShowsAndChangesAPolicyFieldByField() throws Exception {
        Path page = Files.writeString(dir.resolve("sorry.html"), "<html>sorry from the CLI</html>");
        Path allow = Files.writeString(dir.resolve("allow.txt"), "# office\n127.0.0.0/8\n2001:db8::/32\n");
        String[] r = cli("domain", "policy", "cli.tenant-a.test", "--hsts-max-age", "120", "--rate", "50:100",
                "--error-page", "502=" + page, "--ip-allow-file", allow.toString());
        assertThat(r[0]).as(r[1]).isEqualTo("0");
        assertThat(r[1]).contains("hsts", "rateLimit", "errorPages: 502", "ipAllow");
        String[] shown = cli("domain", "policy", "cli.tenant-a.test", "--json");
        JsonNodeAssert.hasPolicy(JSON.readTree(shown[1]), "/policy/rateLimit/burst", "100");
        JsonNodeAssert.hasPolicy(JSON.readTree(shown[1]), "/policy/ipAllow/1", "2001:db8::/32");
        assertThat(curl("--http2", "cli.tenant-a.test", "/", "-D", "-", "-o", "/dev/null"))
                .containsIgnoringCase("strict-transport-security: max-age=120");
        String[] bad = cli("domain", "policy", "cli.tenant-a.test", "--min-tls", "1.0");
        assertThat(bad[0]).isEqualTo("1");
        assertThat(bad[1]).contains("minTlsVersion", "1.0");
        String[] unset = cli("domain", "policy", "cli.tenant-a.test", "--unset", "rateLimit", "--unset", "ipAllow");
        assertThat(unset[1]).contains("hsts").doesNotContain("rateLimit").doesNotContain("ipAllow");
        assertThat(cli("domain", "policy", "cli.tenant-a.test", "--delete")[0]).isEqualTo("0");
        assertThat(node.call("GET", "/v1/domains/cli.tenant-a.test/policy", admin, null).status()).isEqualTo(404);
    }

    /** {@code gatehouse ARGS} as the admin, in this JVM: exit code, then stdout + stderr. */
    private static String[] cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--console", node.consoleUrl(), "--cacert", node.node.consoleCertificate().toString(),
                "--token", admin));
        java.io.StringWriter out = new java.io.StringWriter();
        int exit = new picocli.CommandLine(new dev.gatehouse.appliance.Main()).setOut(new java.io.PrintWriter(out, true))
                .setErr(new java.io.PrintWriter(out, true)).execute(all.toArray(String[]::new));
        return new String[] {String.valueOf(exit), out.toString()};
    }

    /** Reads one value of a JSON document by pointer. */
    private static final class JsonNodeAssert {
        static void hasPolicy(com.fasterxml.jackson.databind.JsonNode doc, String pointer, String value) {
            assertThat(doc.at(pointer).asText()).as(pointer + " in " + doc).isEqualTo(value);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static void put(String token, String name, Map<String, ?> policy) throws Exception {
        TestNode.Reply r = node.call("PUT", "/v1/domains/" + name + "/policy", token, JSON.writeValueAsString(policy));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static void ok(TestNode.Reply r) {
        assertThat(r.status()).as(r.body()).isBetween(200, 299);
    }

    private static String url(String host, String path) {
        return "https://" + host + ":" + node.httpsPort() + path;
    }

    private static String curl(String flag, String host, String path, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", flag, "--cacert", caFile.toString(),
                "--resolve", host + ":" + node.httpsPort() + ":127.0.0.1"));
        cmd.addAll(List.of(extra));
        cmd.add(url(host, path));
        Tools.Result r = Tools.run(cmd, null, 30);
        assertThat(r.exitCode()).as(r.all()).isZero();
        return r.stdout();
    }

    private static String status(String flag, String host, String path) {
        return curl(flag, host, path, "-o", "/dev/null", "-w", "%{http_code}").trim();
    }

    /** Port 80: the status line and Location of a GET for /x. */
    private static String plain(String host) {
        Tools.Result r = Tools.run(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                "-H", "Host: " + host, "http://127.0.0.1:" + node.httpPort() + "/x"), null, 30);
        assertThat(r.exitCode()).as(r.all()).isZero();
        return r.stdout();
    }

    private static Tools.Result sClient(String name, String version) {
        return Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + node.httpsPort(),
                "-servername", name, version, "-CAfile", caFile.toString(), "-verify_return_error"),
                "Q\n".getBytes(StandardCharsets.US_ASCII), 30);
    }
}
