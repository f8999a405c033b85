package dev.gatehouse.appliance.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.Pebble;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.testing.TlsProbe;
import dev.gatehouse.tls.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACME end to end with the real Pebble and pebble-challtestsrv on loopback: a tenant claims a
 * name, publishes the TXT record and the A record in challtestsrv's DNS, the claim is verified,
 * Pebble validates HTTP-01 against the node's port-80 listener, the certificate is served by SNI
 * (chain up to Pebble's root, checked by openssl), and the short-lived certificate is renewed
 * with no failed handshake. Failures: wrong TXT, name not pointing at us, CA unreachable, CA
 * refusing every request; each ends in a clear status with nothing served.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AcmeIT {

    /** Pebble's certificate lifetime here: renewal at two thirds of it is part of the run. */
    private static final int LIFETIME_SECONDS = 45;

    @TempDir
    static Path dir;
    static Pebble.Dns dns;
    static Pebble pebble;
    static TestNode node;
    static String admin;
    static String tenantToken;

    static String acmeYaml(String directory, Path caFile) {
        List<String> settings = new java.util.ArrayList<>(Pebble.FAST_ACME);
        settings.addAll(List.of("email: ops@example.com", "dnsAttempts: 3", "orderRetry: 1s", "orderRetryMax: 2s",
                "orderAttempts: 2", "onDemand: true", "onDemandPerHour: 1"));
        return Pebble.acmeYaml(directory, caFile, dns.resolver(), settings);
    }

    @BeforeAll
    static void start() throws Exception {
        Pebble.Plan plan = Pebble.plan(dir);
        dns = plan.dns();
        node = new TestNode(dir.resolve("node"), "acme-node", acmeYaml(plan.directory(), plan.caFile()));
        pebble = Pebble.start(dir.resolve("pebble"), dns, plan.port(), node.httpPort(), LIFETIME_SECONDS, Map.of());
        admin = node.adminToken();
        assertThat(node.call("POST", "/v1/tenants", admin, "{\"id\":\"tenant-a\"}").status()).isEqualTo(201);
        assertThat(node.call("POST", "/v1/tenants", admin, "{\"id\":\"tenant-b\"}").status()).isEqualTo(201);
        tenantToken = node.call("POST", "/v1/tokens", admin, "{\"scope\":\"tenant:tenant-a\"}").json().get("token")
                .asText();
    }

    @AfterAll
    static void stop() throws Exception {
        NodeFixtures.closeAll(node, pebble, dns);
    }

    static JsonNode claim(TestNode n, String token, String name) throws Exception {
        TestNode.Reply r = n.call("POST", "/v1/domains", token, "{\"name\":\"" + name + "\",\"tenant\":\"tenant-a\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    static JsonNode awaitCertificate(TestNode n, String name, String state, Duration within) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(within).pollInterval(Duration.ofMillis(250)).until(() -> {
            last[0] = n.call("GET", "/v1/domains/" + name + "/certificate", admin, null).json();
            return state.equals(last[0].path("state").asText());
        });
        return last[0];
    }

    /** Claims {@code name}, publishes the right TXT and an A record to 127.0.0.1, waits for verified. */
    static void verify(TestNode n, String name) throws Exception {
        claimAndPublish(n, admin, name, "127.0.0.1");
        n.awaitDomainStatus(admin, name, "verified");
    }

    /** Claims {@code name} for tenant-a as {@code token}, publishes the right TXT and an A record to {@code address}. */
    static void claimAndPublish(TestNode n, String token, String name, String address) throws Exception {
        JsonNode c = claim(n, token, name);
        dns.setTxt(c.at("/records/0/name").asText(), c.at("/records/0/value").asText());
        dns.addA(name, address);
    }

    static Tools.Result sClient(TestNode n, String name, Path root) {
        return Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + n.httpsPort(), "-servername", name,
                "-CAfile", root.toString(), "-verify_return_error", "-verify_hostname", name),
                "Q\n".getBytes(StandardCharsets.US_ASCII), 20);
    }

    @Test
    @Order(1)
    void refusesPublicSuffixesWildcardsAndOtherTenantsWithProblems() throws Exception {
        for (String[] c : new String[][] {{"co.uk", "public-suffix"}, {"com", "public-suffix"},
                {"github.io", "public-suffix"}, {"localhost", "public-suffix"}, {"*.co.uk", "public-suffix"},
                {"bad..name", "invalid-field"}}) {
            TestNode.Reply r = node.call("POST", "/v1/domains", tenantToken, "{\"name\":\"" + c[0] + "\"}");
            assertThat(r.status()).as(c[0]).isEqualTo(422);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.json().path("type").asText()).as(c[0]).endsWith("/" + c[1]);
            assertThat(r.json().path("field").asText()).isEqualTo("name");
        }
        TestNode.Reply other = node.call("POST", "/v1/domains", tenantToken,
                "{\"name\":\"x.example.org\",\"tenant\":\"tenant-b\"}");
        assertThat(other.status()).isEqualTo(403);
        TestNode.Reply unknown = node.call("POST", "/v1/domains", tenantToken, "{\"name\":\"x.example.org\",\"x\":1}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().path("field").asText()).isEqualTo("x");
        assertThat(node.call("GET", "/v1/domains", tenantToken, null).json().path("items")).isEmpty();

        // a wildcard may be claimed (and proven by its TXT record), but HTTP-01 cannot prove it for an order
        TestNode.Reply wildcard = node.call("POST", "/v1/domains", tenantToken, "{\"name\":\"*.wild.example.com\"}");
        assertThat(wildcard.status()).as(wildcard.body()).isEqualTo(201);
        TestNode.Reply order = node.call("POST", "/v1/domains/*.wild.example.com/certificate", tenantToken, null);
        assertThat(order.status()).isEqualTo(422);
        assertThat(order.json().path("type").asText()).endsWith("/wildcard-not-supported");
        assertThat(node.call("DELETE", "/v1/domains/*.wild.example.com", tenantToken, null).status()).isEqualTo(204);
        assertThat(node.call("GET", "/v1/domains", tenantToken, null).json().path("items")).isEmpty();
    }

    @Test
    @Order(2)
    void wrongTxtValueFailsWithTheReasonAndTheRecordsSeen() throws Exception {
        JsonNode c = claim(node, tenantToken, "wrong-txt.example.com");
        assertThat(c.path("status").asText()).isEqualTo("pending");
        assertThat(c.at("/records/0/type").asText()).isEqualTo("TXT");
        assertThat(c.at("/records/0/name").asText()).isEqualTo("_gatehouse-challenge.wrong-txt.example.com");
        assertThat(c.at("/records/1/type").asText()).isEqualTo("A");
        assertThat(c.at("/records/1/value").asText()).isEqualTo("127.0.0.1");
        dns.setTxt(c.at("/records/0/name").asText(), "not-the-value");
        dns.addA("wrong-txt.example.com", "127.0.0.1");
        JsonNode failed = node.awaitDomainStatus(admin, "wrong-txt.example.com", "failed");
        assertThat(failed.path("reason").asText()).contains("does not hold the expected value");
        assertThat(failed.path("seen").toString()).contains("not-the-value").contains("A wrong-txt.example.com 127.0.0.1");
        assertThat(failed.path("attempts").asInt()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events("domain.failed",
                "wrong-txt.example.com")).singleElement().satisfies(e -> assertThat(e.at("/data/reason").asText())
                        .contains("does not hold the expected value")));
        TestNode.Reply order = node.call("POST", "/v1/domains/wrong-txt.example.com/certificate", tenantToken, null);
        assertThat(order.status()).isEqualTo(409);
        assertThat(order.json().path("type").asText()).endsWith("/domain-not-verified");

        // the tenant fixes the record and asks for a re-check: verified
        dns.setTxt(c.at("/records/0/name").asText(), c.at("/records/0/value").asText());
        assertThat(node.call("POST", "/v1/domains/wrong-txt.example.com/check", tenantToken, null).status())
                .isEqualTo(200);
        node.awaitDomainStatus(admin, "wrong-txt.example.com", "verified");
    }

    @Test
    @Order(3)
    void nameNotPointingAtTheEdgeFails() throws Exception {
        claimAndPublish(node, tenantToken, "elsewhere.example.com", "127.0.0.2");
        JsonNode failed = node.awaitDomainStatus(admin, "elsewhere.example.com", "failed");
        assertThat(failed.path("reason").asText()).contains("does not point at this edge").contains("127.0.0.2")
                .contains("expected: an A record 127.0.0.1");

        // a verified claim blocks other tenants; a failed one does not squat the name
        TestNode.Reply pending = node.call("POST", "/v1/domains", admin,
                "{\"name\":\"wrong-txt.example.com\",\"tenant\":\"tenant-b\"}");
        assertThat(pending.status()).isEqualTo(409);
        assertThat(pending.json().path("type").asText()).endsWith("/name-claimed");
        TestNode.Reply takeover = node.call("POST", "/v1/domains", admin,
                "{\"name\":\"elsewhere.example.com\",\"tenant\":\"tenant-b\"}");
        assertThat(takeover.status()).as(takeover.body()).isEqualTo(201);
        assertThat(takeover.json().path("tenant").asText()).isEqualTo("tenant-b");
        assertThat(takeover.json().path("status").asText()).isEqualTo("pending");
        assertThat(node.call("DELETE", "/v1/domains/elsewhere.example.com", admin, null).status()).isEqualTo(204);
    }

    @Test
    @Order(4)
    void issuesByHttp01OnPort80AndServesTheCertificateBySni() throws Exception {
        claimAndPublish(node, tenantToken, "shop.example.com", "127.0.0.1");
        node.awaitDomainStatus(admin, "shop.example.com", "verified");
        assertThat(node.call("GET", "/v1/tenants/tenant-a", admin, null).json().path("domains").toString())
                .contains("shop.example.com");

        TestNode.Reply ordered = node.call("POST", "/v1/domains/shop.example.com/certificate", tenantToken, null);
        assertThat(ordered.status()).as(ordered.body()).isEqualTo(202);
        JsonNode issued = awaitCertificate(node, "shop.example.com", "issued", Duration.ofSeconds(60));
        assertThat(issued.path("lastError").isNull()).as(issued.toString()).isTrue();
        assertThat(issued.path("issuedBy").asText()).isEqualTo("acme-node");
        assertThat(issued.path("nextRenewalAt").asText()).isNotEmpty();

        Path root = Files.writeString(dir.resolve("pebble-root.pem"), pebble.root());
        Tools.Result served = sClient(node, "shop.example.com", root);
        assertThat(served.stdout()).as(served.all()).contains("Verify return code: 0 (ok)");

        String id = issued.path("certificateId").asText();
        JsonNode cert = node.call("GET", "/v1/certificates/" + id, tenantToken, null).json();
        assertThat(cert.path("managed").asBoolean()).isTrue();
        assertThat(cert.path("names").toString()).contains("shop.example.com");
        assertThat(cert.path("keyType").asText()).isEqualTo("ECDSA-P-256");
        X509Certificate leaf = new TlsProbe(pebble.root().getBytes(StandardCharsets.US_ASCII))
                .leaf(node.httpsPort(), "shop.example.com");
        assertThat(leaf.getSerialNumber().toString(16)).isEqualToIgnoringCase(cert.path("serial").asText());

        // the CA reached port 80 of this node; uploaded-certificate endpoints leave managed ones alone
        JsonNode status = node.call("GET", "/v1/status", admin, null).json();
        assertThat(status.at("/counters/acme.challenge_hit").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(status.at("/acme/schedulerNode").asText()).isEqualTo("acme-node");
        TestNode.Reply del = node.call("DELETE", "/v1/certificates/" + id, tenantToken, null);
        assertThat(del.status()).isEqualTo(409);
        assertThat(del.json().path("type").asText()).endsWith("/certificate-managed");
        // a certificate living 45 s is within any expiry threshold: warned in the status
        assertThat(status.at("/expiringCertificates/count").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(status.at("/expiringCertificates/certificates").toString()).contains(id);

        // and each of these became one event for the tenant, in order
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(events("domain.verified", "shop.example.com")).hasSize(1);
            assertThat(events("acme.issued", "shop.example.com")).singleElement()
                    .satisfies(e -> assertThat(e.at("/data/certificate").asText()).isEqualTo(id));
            assertThat(events("certificate.expiring", id)).as("reported once by the scheduler").hasSize(1);
        });
        assertThat(events("domain.verified", "shop.example.com").get(0).get("cursor").asLong())
                .isLessThan(events("acme.issued", "shop.example.com").get(0).get("cursor").asLong());
    }

    /** The tenant's events of {@code type} about {@code subject}, read with the tenant's token. */
    static List<JsonNode> events(String type, String subject) throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        node.call("GET", "/v1/events?limit=1000&type=" + type, tenantToken, null).json().path("items").forEach(e -> {
            if (e.path("subject").asText().equals(subject)) {
                out.add(e);
            }
        });
        return out;
    }

    @Test
    @Order(5)
    void renewsTheShortLivedCertificateWithoutAFailedHandshake() throws Exception {
        JsonNode before = node.call("GET", "/v1/domains/shop.example.com/certificate", admin, null).json();
        String id = before.path("certificateId").asText();
        String serial = node.call("GET", "/v1/certificates/" + id, admin, null).json().path("serial").asText();
        TlsProbe probe = new TlsProbe(pebble.root().getBytes(StandardCharsets.US_ASCII));
        java.util.concurrent.atomic.AtomicInteger handshakes = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> now = new java.util.concurrent.atomic.AtomicReference<>(serial);
        // one handshake every 250 ms until the serial changes; every handshake during the renewal must
        // succeed (a failure throws out of the condition and fails the test)
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250))
                .atMost(Duration.ofSeconds(LIFETIME_SECONDS * 2L)).ignoreNoExceptions().until(() -> {
                    now.set(probe.leaf(node.httpsPort(), "shop.example.com").getSerialNumber().toString(16));
                    handshakes.incrementAndGet();
                    return !now.get().equalsIgnoreCase(serial);
                });
        assertThat(now.get()).as("renewed within two lifetimes").isNotEqualToIgnoringCase(serial);
        assertThat(handshakes.get()).isGreaterThan(10);
        JsonNode after = node.call("GET", "/v1/domains/shop.example.com/certificate", admin, null).json();
        assertThat(after.path("state").asText()).isEqualTo("issued");
        assertThat(after.path("certificateId").asText()).as("same id, replaced in place").isEqualTo(id);
        assertThat(after.path("notAfter").asText()).isGreaterThan(before.path("notAfter").asText());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events("acme.renewed",
                "shop.example.com")).isNotEmpty());
    }

    /** {@code gatehouse ARGS} in-process against the node, with the tenant token: exit code and output. */
    static String[] cli(int expectedExit, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--console", node.consoleUrl(), "--cacert", node.node.consoleCertificate().toString(),
                "--token", tenantToken));
        int exit = new picocli.CommandLine(new dev.gatehouse.appliance.Main())
                .setOut(new java.io.PrintWriter(out, true)).setErr(new java.io.PrintWriter(err, true))
                .execute(all.toArray(String[]::new));
        assertThat(exit).as(out + "\n" + err).isEqualTo(expectedExit);
        return new String[] {out.toString(), err.toString()};
    }

    @Test
    @Order(6)
    void cliShowsClaimsAndManagedCertificates() {
        assertThat(cli(0, "domain", "ls")[0]).contains("shop.example.com").contains("verified")
                .contains("wrong-txt.example.com");
        assertThat(cli(0, "domain", "cert", "shop.example.com")[0]).contains("issued");
        assertThat(cli(0, "domain", "certs")[0]).contains("shop.example.com");
        String[] claimed = cli(0, "domain", "claim", "cli.example.com");
        assertThat(claimed[0]).contains("TXT").contains("_gatehouse-challenge.cli.example.com").contains("pending");
        assertThat(cli(1, "domain", "order", "cli.example.com")[1]).contains("domain-not-verified");
        assertThat(cli(1, "domain", "claim", "co.uk")[1]).contains("public suffix");
        assertThat(cli(0, "domain", "rm", "cli.example.com")[0]).contains("deleted claim cli.example.com");
    }

    @Test
    @Order(7)
    void stoppingManagementRemovesTheCertificate() throws Exception {
        JsonNode m = node.call("GET", "/v1/domains/shop.example.com/certificate", admin, null).json();
        assertThat(node.call("DELETE", "/v1/domains/shop.example.com", tenantToken, null).status()).isEqualTo(409);
        assertThat(node.call("DELETE", "/v1/domains/shop.example.com/certificate", tenantToken, null).status())
                .isEqualTo(204);
        assertThat(node.call("GET", "/v1/certificates/" + m.path("certificateId").asText(), admin, null).status())
                .isEqualTo(404);
        assertThat(node.call("DELETE", "/v1/domains/shop.example.com", tenantToken, null).status()).isEqualTo(204);
    }

    @Test
    @Order(8)
    void onDemandIssuesAtTheFirstHandshakeOnlyForVerifiedNamesWithinTheRateLimit() throws Exception {
        TlsProbe probe = new TlsProbe(pebble.root().getBytes(StandardCharsets.US_ASCII));
        // a scanner's name: refused, and nothing is asked of the CA
        assertThatThrownBy(() -> probe.leaf(node.httpsPort(), "scanner.example.com"))
                .isInstanceOf(javax.net.ssl.SSLException.class);
        verify(node, "first-hit.example.com");
        verify(node, "second-hit.example.com");
        assertThat(node.call("GET", "/v1/managed-certificates", admin, null).json().path("items").toString())
                .doesNotContain("first-hit").doesNotContain("second-hit").doesNotContain("scanner");

        // the first handshake is refused but asks for the certificate; a later one gets it
        assertThatThrownBy(() -> probe.leaf(node.httpsPort(), "first-hit.example.com"))
                .isInstanceOf(javax.net.ssl.SSLException.class);
        awaitCertificate(node, "first-hit.example.com", "issued", Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
                probe.leaf(node.httpsPort(), "first-hit.example.com") != null);

        // one on-demand request per hour here: the next verified name is not requested
        assertThatThrownBy(() -> probe.leaf(node.httpsPort(), "second-hit.example.com"))
                .isInstanceOf(javax.net.ssl.SSLException.class);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
                node.call("GET", "/v1/domains/second-hit.example.com/certificate", admin, null).status() == 404);
        JsonNode counters = node.call("GET", "/v1/status", admin, null).json().path("counters");
        assertThat(counters.path("acme.on_demand_requested").asLong()).isEqualTo(1);
        assertThat(counters.path("acme.on_demand_rate_limited").asLong()).isGreaterThanOrEqualTo(1);
    }

    @Test
    @Order(9)
    void unreachableCaGivesAClearStatusAndServesNothing() throws Exception {
        int closed = Pebble.freePort();
        try (TestNode other = new TestNode(dir.resolve("node-unreachable"), "unreachable-node",
                acmeYaml("https://127.0.0.1:" + closed + "/dir", Pebble.tlsCertificate(dir.resolve("pebble"))))) {
            asAdminOf(other, t -> {
                verify(other, "down.example.com");
                assertThat(other.call("POST", "/v1/domains/down.example.com/certificate", t, null).status())
                        .isEqualTo(202);
                JsonNode failed = awaitCertificate(other, "down.example.com", "failed", Duration.ofSeconds(30));
                assertThat(failed.path("lastError").asText()).contains("CA unreachable at https://127.0.0.1:" + closed);
                assertThat(failed.path("attempts").asInt()).isEqualTo(2);
                assertThat(other.call("GET", "/v1/certificates", t, null).json().path("items")).isEmpty();
                Tools.Result refused = Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:"
                        + other.httpsPort(), "-servername", "down.example.com"),
                        "Q\n".getBytes(StandardCharsets.US_ASCII), 20);
                assertThat(refused.all()).contains("alert number 112");
            });
        }
    }

    @Test
    @Order(10)
    void caRefusingEveryRequestGivesAClearStatusAndServesNothing() throws Exception {
        int port = Pebble.freePort();
        Path pdir = dir.resolve("pebble-refusing");
        try (TestNode other = new TestNode(dir.resolve("node-refused"), "refused-node",
                acmeYaml("https://127.0.0.1:" + port + "/dir", Pebble.tlsCertificate(pdir)));
                Pebble refusing = Pebble.start(pdir, dns, port, Pebble.freePort(), 0,
                        Map.of("PEBBLE_WFE_NONCEREJECT", "100"))) {
            asAdminOf(other, t -> {
                verify(other, "refused.example.com");
                assertThat(other.call("POST", "/v1/domains/refused.example.com/certificate", t, null).status())
                        .isEqualTo(202);
                JsonNode failed = awaitCertificate(other, "refused.example.com", "failed", Duration.ofSeconds(60));
                assertThat(failed.path("lastError").asText()).as(failed.toString()).contains("badNonce");
                assertThat(other.call("GET", "/v1/certificates", t, null).json().path("items")).isEmpty();
            });
        }
    }

    /** A node's admin token (with tenant-a created there) passed to {@code body} while the helpers use it as {@link #admin}. */
    interface AdminBody {
        void run(String token) throws Exception;
    }

    private static void asAdminOf(TestNode other, AdminBody body) throws Exception {
        String t = other.adminToken();
        assertThat(other.call("POST", "/v1/tenants", t, "{\"id\":\"tenant-a\"}").status()).isEqualTo(201);
        String saved = admin;
        admin = t;
        try {
            body.run(t);
        } finally {
            admin = saved;
        }
    }
}
