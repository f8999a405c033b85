package dev.gatehouse.appliance.domains;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.Pebble;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.TlsProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one claim model end to end, with ACME off: a real node asks a real DNS server
 * (pebble-challtestsrv on loopback) for the TXT proof. A tenant's claim is pending and serves
 * nothing; the TXT record verifies it and the certificate uploaded meanwhile is served by SNI at
 * once; public suffixes are refused; a tenant proving a name another only holds pending wins it;
 * an admin's fiat is audited.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClaimsIT {

    static final DemoPki PKI = DemoPki.create("ClaimsIT CA");
    @TempDir
    static Path dir;
    static Pebble.Dns dns;
    static TestNode node;
    static TlsProbe probe;
    static String admin;
    static String tokenA;
    static String tokenB;

    @BeforeAll
    static void start() throws Exception {
        Pebble.require();
        dns = Pebble.Dns.start(dir);
        node = new TestNode(dir.resolve("node"), "claims-node", String.join("\n",
                "acme:",
                "  enabled: false",
                "  resolvers: ['" + dns.resolver() + "']",
                "  interval: 1s",
                "  dnsRetry: 1s",
                "  dnsRetryMax: 1s",
                "  dnsAttempts: 30",
                ""));
        probe = new TlsProbe(Pem.certificates(java.util.List.of(PKI.caCertificate())));
        admin = node.adminToken();
        for (String t : new String[] {"tenant-a", "tenant-b"}) {
            assertThat(node.call("POST", "/v1/tenants", admin, "{\"id\":\"" + t + "\"}").status()).isEqualTo(201);
        }
        tokenA = token("tenant:tenant-a");
        tokenB = token("tenant:tenant-b");
    }

    @AfterAll
    static void stop() throws Exception {
        NodeFixtures.closeAll(node, dns);
    }

    static String token(String scope) throws Exception {
        return node.call("POST", "/v1/tokens", admin, "{\"scope\":\"" + scope + "\"}").json().get("token").asText();
    }

    static String upload(String token, String tenant, DemoPki.Issued cert) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", tenant);
        m.put("certificatePem", new String(Pem.certificates(cert.chain()), StandardCharsets.US_ASCII));
        m.put("privateKeyPem", new String(Pem.privateKey(cert.key()), StandardCharsets.US_ASCII));
        return TestNode.json(m);
    }

    static boolean served(String sni) {
        try {
            probe.leaf(node.httpsPort(), sni);
            return true;
        } catch (SSLException e) {
            return false;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    @Order(1)
    void aTenantClaimIsPendingAndItsCertificateIsStoredButNotServedUntilTheTxtProof() throws Exception {
        TestNode.Reply c = node.call("POST", "/v1/domains", tokenA, "{\"name\":\"shop.tenant-a.example\"}");
        assertThat(c.status()).as(c.body()).isEqualTo(201);
        assertThat(c.json().path("status").asText()).isEqualTo("pending");
        assertThat(c.json().path("verifiedBy").isNull()).isTrue();
        assertThat(c.json().path("expiresAt").asText()).isNotEmpty();
        String txtName = c.json().at("/records/0/name").asText();
        String txtValue = c.json().at("/records/0/value").asText();
        assertThat(txtName).isEqualTo("_gatehouse-challenge.shop.tenant-a.example");

        TestNode.Reply up = node.call("POST", "/v1/certificates", tokenA,
                upload(tokenA, "tenant-a", PKI.issueEc("shop.tenant-a.example")));
        assertThat(up.status()).as(up.body()).isEqualTo(201);
        assertThat(up.json().path("servedNames")).isEmpty();
        assertThat(up.json().path("notServedNames").toString()).contains("shop.tenant-a.example");
        assertThat(up.json().path("notServedReason").asText()).contains("not verified yet");
        assertThat(served("shop.tenant-a.example")).isFalse();
        assertThat(node.call("GET", "/v1/tenants/tenant-a", tokenA, null).json().path("pendingDomains").toString())
                .contains("shop.tenant-a.example");

        // a wrong value does not prove it; the right one does, and the stored certificate is served at once
        dns.setTxt(txtName, "someone-elses-value");
        JsonNode[] seen = new JsonNode[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            seen[0] = node.call("GET", "/v1/domains/shop.tenant-a.example", tokenA, null).json();
            return seen[0].path("seen").toString().contains("someone-elses-value");
        });
        assertThat(seen[0].path("status").asText()).isEqualTo("pending");
        assertThat(seen[0].path("reason").asText()).contains("does not hold the expected value");
        assertThat(served("shop.tenant-a.example")).isFalse();
        dns.setTxt(txtName, txtValue);
        JsonNode verified = node.awaitDomainStatus(tokenA, "shop.tenant-a.example", "verified");
        assertThat(verified.path("verifiedBy").asText()).isEqualTo("dns");
        await().atMost(Duration.ofSeconds(5)).until(() -> served("shop.tenant-a.example"));
        assertThat(probe.leaf(node.httpsPort(), "shop.tenant-a.example").getSubjectX500Principal().getName())
                .contains("shop.tenant-a.example");
        assertThat(node.call("GET", "/v1/certificates/" + up.json().path("id").asText(), tokenA, null).json()
                .path("servedNames").toString()).contains("shop.tenant-a.example");
    }

    @Test
    @Order(2)
    void wildcardClaimsAreProvedByTheTxtRecordAtTheParent() throws Exception {
        TestNode.Reply c = node.call("POST", "/v1/domains", tokenA, "{\"name\":\"*.wild.tenant-a.example\"}");
        assertThat(c.status()).as(c.body()).isEqualTo(201);
        assertThat(c.json().at("/records/0/name").asText()).isEqualTo("_gatehouse-challenge.wild.tenant-a.example");
        assertThat(node.call("POST", "/v1/certificates", tokenA,
                upload(tokenA, "tenant-a", PKI.issueEc("*.wild.tenant-a.example"))).status()).isEqualTo(201);
        assertThat(served("app.wild.tenant-a.example")).isFalse();
        dns.setTxt(c.json().at("/records/0/name").asText(), c.json().at("/records/0/value").asText());
        node.awaitDomainStatus(tokenA, "*.wild.tenant-a.example", "verified");
        await().atMost(Duration.ofSeconds(5)).until(() -> served("app.wild.tenant-a.example"));
        assertThat(served("a.b.wild.tenant-a.example")).isFalse();
    }

    @Test
    @Order(3)
    void publicSuffixesAndWildcardsOverThemAreRefusedOnEveryClaimPath() throws Exception {
        for (String name : new String[] {"co.uk", "*.co.uk", "github.io", "*.github.io", "*.com", "com", "uk"}) {
            for (String[] call : new String[][] {
                    {"/v1/domains", tokenA, "{\"name\":\"" + name + "\"}"},
                    {"/v1/tenants/tenant-a/domains", tokenA, "{\"name\":\"" + name + "\"}"},
                    {"/v1/domains", admin, "{\"name\":\"" + name + "\",\"tenant\":\"tenant-a\",\"verified\":true}"},
                    {"/v1/tenants/tenant-b/domains", admin, "{\"name\":\"" + name + "\"}"}}) {
                TestNode.Reply r = node.call("POST", call[0], call[1], call[2]);
                assertThat(r.status()).as(name + " via " + call[0]).isEqualTo(422);
                assertThat(r.contentType()).startsWith("application/problem+json");
                assertThat(r.json().path("type").asText()).endsWith("/public-suffix");
                assertThat(r.json().path("detail").asText()).as(name).contains("'" + name.replace("*.", "") + "'");
            }
        }
        assertThat(node.call("GET", "/v1/domains", admin, null).json().path("items").toString())
                .doesNotContain("co.uk").doesNotContain("github.io").doesNotContain("\"*.com\"");
    }

    @Test
    @Order(4)
    void aPendingClaimBlocksNobodyAndTheTenantThatProvesTheNameGetsIt() throws Exception {
        // tenant A (say, a squatter) claims a customer's name first; it cannot prove it
        TestNode.Reply a = node.call("POST", "/v1/tenants/tenant-a/domains", tokenA,
                "{\"name\":\"www.bigcustomer.example\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().at("/claim/status").asText()).isEqualTo("pending");
        assertThat(a.json().path("domains").toString()).doesNotContain("bigcustomer");
        // B is not blocked by it
        TestNode.Reply b = node.call("POST", "/v1/domains", tokenB, "{\"name\":\"www.bigcustomer.example\"}");
        assertThat(b.status()).as(b.body()).isEqualTo(201);
        assertThat(b.json().path("tenant").asText()).isEqualTo("tenant-b");
        assertThat(b.json().at("/records/0/value").asText()).isNotEqualTo(a.json().at("/claim/records/0/value").asText());
        // B proves it: B's claim is verified, A's is dropped (and audited)
        dns.setTxt(b.json().at("/records/0/name").asText(), b.json().at("/records/0/value").asText());
        node.awaitDomainStatus(tokenB, "www.bigcustomer.example", "verified");
        await().atMost(Duration.ofSeconds(5)).until(() ->
                node.call("GET", "/v1/domains/www.bigcustomer.example", tokenA, null).status() == 404);
        assertThat(Files.readString(node.dataDir.resolve("audit.log"))).contains("\"action\":\"domain.drop\"")
                .contains("dropped pending claim of tenant tenant-a");
        // now the verified claim blocks A, without saying who holds it
        TestNode.Reply again = node.call("POST", "/v1/domains", tokenA, "{\"name\":\"www.bigcustomer.example\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().path("type").asText()).endsWith("/name-claimed");
        assertThat(again.json().path("detail").asText()).doesNotContain("tenant-b");
        TestNode.Reply cover = node.call("POST", "/v1/domains", tokenA, "{\"name\":\"*.bigcustomer.example\"}");
        assertThat(cover.status()).isEqualTo(409);
        // and A cannot upload a certificate for it
        TestNode.Reply up = node.call("POST", "/v1/certificates", tokenA,
                upload(tokenA, "tenant-a", PKI.issueEc("www.bigcustomer.example")));
        assertThat(up.status()).isEqualTo(403);
        assertThat(up.json().path("type").asText()).endsWith("/name-not-claimed");
    }

    @Test
    @Order(5)
    void anAdminAssignsANameByFiatAndTheAuditLogRecordsWhich() throws Exception {
        TestNode.Reply r = node.call("POST", "/v1/domains", admin,
                "{\"name\":\"fiat.tenant-b.example\",\"tenant\":\"tenant-b\",\"verified\":true}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.json().path("status").asText()).isEqualTo("verified");
        assertThat(r.json().path("verifiedBy").asText()).isEqualTo("admin");
        assertThat(Files.readString(node.dataDir.resolve("audit.log")))
                .contains("\"action\":\"domain.assign\"").contains("\"object\":\"domains/fiat.tenant-b.example\"")
                .contains("verified by admin (no DNS proof)");
        // a tenant token cannot do that
        TestNode.Reply t = node.call("POST", "/v1/domains", tokenB, "{\"name\":\"fiat2.tenant-b.example\",\"verified\":true}");
        assertThat(t.status()).isEqualTo(403);
        assertThat(node.call("GET", "/v1/domains/fiat2.tenant-b.example", tokenB, null).status()).isEqualTo(404);
    }
}
