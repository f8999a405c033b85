package dev.gatehouse.appliance.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.Bind;
import dev.gatehouse.appliance.testing.LogCapture;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.Pebble;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.testing.TlsProbe;
import dev.gatehouse.tls.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * DNS-01 end to end with real parts on loopback: BIND 9 authoritative for {@code tenant.example.com}
 * and for the operator's delegation zone {@code acme-dns.example.net} (TSIG-signed TXT updates
 * allowed), a second BIND as the recursive resolver Pebble asks ({@code pebble -dnsserver}), the
 * node updating the first by RFC 2136. A tenant proves {@code *.tenant.example.com} (its TXT record at the
 * parent, written with nsupdate), orders the wildcard certificate, which is served for
 * {@code a.tenant.example.com} (openssl verifies chain and host name) and renewed; the
 * {@code _acme-challenge} record is gone after each order. The first directory is unreachable, so
 * the first attempt fails and the certificate comes from {@code acme.fallbackDirectory}. A wrong
 * TSIG secret fails with a reason naming it while the node keeps serving. A tenant whose
 * {@code _acme-challenge} name is a CNAME into the operator's zone gets the record written there. Pebble 2.4 (Debian 12)
 * offers no renewalInfo, so the renewal follows the lifetime rule here (asserted, so that a Pebble
 * with ARI makes this test say so).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Dns01IT {

    private static final int LIFETIME_SECONDS = 40;
    private static final String ZONE = "tenant.example.com";
    private static final String WILDCARD = "*." + ZONE;
    private static final String DELEGATION = "acme-dns.example.net";

    @TempDir
    static Path dir;
    static Bind bind;
    /** The recursive resolver Pebble asks, forwarding to {@link #bind} (as a CA's resolvers would). */
    static Bind resolver;
    static Pebble pebble;
    static TestNode node;
    static LogCapture logs;
    static String admin;
    static String tenantToken;
    static Path secretFile;
    static Path root;

    @BeforeAll
    static void start() throws Exception {
        Pebble.require();
        Bind.require();
        logs = new LogCapture();
        // the tenant's zone (here on the same server, for the claims) and the operator's delegation zone:
        // deleg.tenant.example.com hands its challenge to the operator with one CNAME
        java.util.Map<String, List<String>> zones = new java.util.LinkedHashMap<>();
        zones.put(ZONE, List.of("a IN A 127.0.0.1", "_acme-challenge.deleg IN CNAME deleg." + DELEGATION + "."));
        zones.put(DELEGATION, List.of());
        bind = Bind.start(dir.resolve("bind"), zones);
        resolver = Bind.startResolver(dir.resolve("resolver"), bind, zones.keySet());
        // the key as tsig-keygen writes it: Gatehouse reads the secret out of the clause
        secretFile = Files.writeString(dir.resolve("tsig.key"), "key \"" + Bind.KEY_NAME + "\" {\n"
                + "\talgorithm hmac-sha256;\n\tsecret \"" + bind.secret + "\";\n};\n");
        int pebblePort = Pebble.freePort();
        int unreachable = Pebble.freePort();
        Path caFile = Pebble.tlsCertificate(dir.resolve("pebble"));
        node = new TestNode(dir.resolve("node"), "dns01-node", String.join("\n",
                "acme:",
                "  enabled: true",
                "  directory: 'https://127.0.0.1:" + unreachable + "/dir'",
                "  fallbackDirectory: 'https://127.0.0.1:" + pebblePort + "/dir'",
                "  fallbackAfter: 1",
                "  caFile: '" + caFile + "'",
                "  email: ops@example.com",
                "  resolvers: ['" + bind.address() + "']",
                "  interval: 1s",
                "  leaseTtl: 30s",
                "  timeout: 20s",
                "  dnsRetry: 1s",
                "  dnsRetryMax: 1s",
                "  dnsAttempts: 5",
                "  orderRetry: 1s",
                "  orderRetryMax: 2s",
                "  orderAttempts: 8",
                "  dns01:",
                "    server: '" + bind.address() + "'",
                "    zones: [" + ZONE + ", " + DELEGATION + "]",
                "    tsig: {name: " + Bind.KEY_NAME + ", algorithm: hmac-sha256, secretFile: '" + secretFile + "'}",
                "    propagationTimeout: 10s",
                "    ttl: 5s",
                ""));
        pebble = Pebble.start(dir.resolve("pebble"), resolver.address(), pebblePort, node.httpPort(), LIFETIME_SECONDS,
                Map.of());
        root = Files.writeString(dir.resolve("pebble-root.pem"), pebble.root());
        admin = node.adminToken();
        assertThat(node.call("POST", "/v1/tenants", admin, "{\"id\":\"tenant-a\"}").status()).isEqualTo(201);
        tenantToken = node.call("POST", "/v1/tokens", admin, "{\"scope\":\"tenant:tenant-a\"}").json().get("token")
                .asText();
    }

    @AfterAll
    static void stop() throws Exception {
        NodeFixtures.closeAll(node, pebble, resolver, bind, logs);
    }

    /** The tenant claims {@code pattern} and proves it with the TXT record at the parent, sent by nsupdate. */
    static void prove(String pattern) throws Exception {
        TestNode.Reply r = node.call("POST", "/v1/domains", tenantToken, "{\"name\":\"" + pattern + "\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        String txtName = r.json().at("/records/0/name").asText();
        assertThat(txtName).isEqualTo("_gatehouse-challenge." + pattern.substring(2));
        bind.nsupdate("add " + txtName + " 60 TXT \"" + r.json().at("/records/0/value").asText() + "\"");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> "verified".equals(
                node.call("GET", "/v1/domains/" + pattern, admin, null).json().path("status").asText()));
    }

    static JsonNode managed(String name) throws Exception {
        return node.call("GET", "/v1/domains/" + name + "/certificate", admin, null).json();
    }

    static Tools.Result sClient(String sni) {
        return Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + node.httpsPort(), "-servername", sni,
                "-CAfile", root.toString(), "-verify_return_error", "-verify_hostname", sni),
                "Q\n".getBytes(StandardCharsets.US_ASCII), 20);
    }

    static String servedSerial(String sni) throws Exception {
        return new TlsProbe(pebble.root().getBytes(StandardCharsets.US_ASCII)).leaf(node.httpsPort(), sni)
                .getSerialNumber().toString(16);
    }

    @Test
    @Order(1)
    void issuesAWildcardByDns01ThroughBindAfterFallingBackToTheSecondDirectory() throws Exception {
        prove(WILDCARD);
        TestNode.Reply ordered = node.call("POST", "/v1/domains/" + WILDCARD + "/certificate", tenantToken, null);
        assertThat(ordered.status()).as(ordered.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> "issued".equals(managed(WILDCARD).path("state").asText()));

        Tools.Result served = sClient("a." + ZONE);
        assertThat(served.stdout()).as(served.all()).contains("Verify return code: 0 (ok)");
        JsonNode cert = node.call("GET", "/v1/certificates/" + managed(WILDCARD).path("certificateId").asText(),
                tenantToken, null).json();
        assertThat(cert.path("names").toString()).contains(WILDCARD);
        assertThat(cert.path("managed").asBoolean()).isTrue();
        assertThat(servedSerial("a." + ZONE)).isEqualToIgnoringCase(cert.path("serial").asText());

        // the challenge record was added, answered, and removed again
        assertThat(bind.txt("_acme-challenge." + ZONE)).isEmpty();
        assertThat(bind.log()).contains("updating zone '" + ZONE + "/IN': adding an RR at '_acme-challenge." + ZONE)
                .contains("updating zone '" + ZONE + "/IN': deleting an RR at _acme-challenge." + ZONE);
        // the unreachable first directory counted once, then the fallback issued
        assertThat(logs.lines()).anyMatch(l -> l.contains("event=acme_directory_switched")
                && l.contains("to=https://127.0.0.1:" + pebble.port + "/dir"));
        assertThat(logs.lines()).anyMatch(l -> l.contains("event=acme_issued") && l.contains("directory=https://127.0.0.1:"
                + pebble.port));
    }

    @Test
    @Order(2)
    void renewsTheWildcardAndRemovesTheRecordAgain() throws Exception {
        String first = servedSerial("a." + ZONE);
        await().atMost(Duration.ofSeconds(2L * LIFETIME_SECONDS)).pollInterval(Duration.ofMillis(500))
                .until(() -> !servedSerial("a." + ZONE).equalsIgnoreCase(first));
        Tools.Result served = sClient("b-other." + ZONE);
        assertThat(served.stdout()).as(served.all()).contains("Verify return code: 0 (ok)");
        assertThat(bind.txt("_acme-challenge." + ZONE)).isEmpty();
        // Debian's Pebble 2.4 has no renewalInfo resource: the lifetime rule decided (see the class javadoc)
        assertThat(logs.lines()).anyMatch(l -> l.contains("event=acme_issued") && l.contains("name=" + WILDCARD)
                && l.contains("renewal_rule=lifetime"));
    }

    @Test
    @Order(3)
    void aWrongTsigSecretFailsNamingTheCauseWhileTheNodeKeepsServing() throws Exception {
        String wrong = java.util.Base64.getEncoder().encodeToString("not-the-secret-bind-holds-0123456".getBytes(
                StandardCharsets.US_ASCII));
        Files.writeString(secretFile, wrong + "\n");
        String other = "*.b." + ZONE;
        prove(other);
        assertThat(node.call("POST", "/v1/domains/" + other + "/certificate", tenantToken, null).status())
                .isEqualTo(202);
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            last[0] = managed(other);
            return last[0].path("lastError").asText().contains("BADSIG");
        });
        assertThat(last[0].path("state").asText()).isEqualTo("retrying");
        assertThat(last[0].path("lastError").asText()).contains("refused by " + bind.address())
                .contains("key '" + Bind.KEY_NAME + "'").contains("acme.dns01.tsig.secretFile");
        assertThat(bind.txt("_acme-challenge.b." + ZONE)).isEmpty();
        // the node is up and still serves the certificate it has
        assertThat(node.call("GET", "/v1/status", admin, null).status()).isEqualTo(200);
        Tools.Result served = sClient("a." + ZONE);
        assertThat(served.stdout()).as(served.all()).contains("Verify return code: 0 (ok)");

        // the operator fixes the file: the next attempt reads it again and succeeds
        Files.writeString(secretFile, bind.secret + "\n");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> "issued".equals(managed(other).path("state").asText()));
        Tools.Result b = sClient("x.b." + ZONE);
        assertThat(b.stdout()).as(b.all()).contains("Verify return code: 0 (ok)");
        assertThat(bind.txt("_acme-challenge.b." + ZONE)).isEmpty();

        // neither secret ever reached a log line
        assertThat(logs.lines()).noneMatch(l -> l.contains(bind.secret) || l.contains(wrong));
    }

    @Test
    @Order(4)
    void followsATenantsCnameDelegatingTheChallengeToTheOperatorsZone() throws Exception {
        String delegated = "*.deleg." + ZONE;
        prove(delegated);
        assertThat(node.call("POST", "/v1/domains/" + delegated + "/certificate", tenantToken, null).status())
                .isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> "issued".equals(managed(delegated).path("state").asText()));
        Tools.Result served = sClient("x.deleg." + ZONE);
        assertThat(served.stdout()).as(served.all()).contains("Verify return code: 0 (ok)");
        // written at the CNAME's target in the operator's zone, and removed from there
        assertThat(bind.log()).contains("updating zone '" + DELEGATION + "/IN': adding an RR at 'deleg." + DELEGATION)
                .contains("updating zone '" + DELEGATION + "/IN': deleting an RR at deleg." + DELEGATION);
        assertThat(bind.txt("deleg." + DELEGATION)).isEmpty();
        assertThat(logs.lines()).anyMatch(l -> l.contains("event=dns01_delegated") && l.contains("cname=deleg."
                + DELEGATION));
    }
}
