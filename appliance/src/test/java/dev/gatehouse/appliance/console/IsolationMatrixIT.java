package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The isolation matrix over real HTTPS: every console endpoint (taken from the OpenAPI document,
 * which {@code OpenApiConsistencyTest} holds equal to the route table) × every kind of caller (no
 * token, a malformed one, an expired one, a revoked one, tenant A, tenant B, admin) × the objects
 * of tenant A and of tenant B.
 * <ul>
 *   <li>Without a valid token every non-public endpoint answers 401.</li>
 *   <li>A tenant token acting on the other tenant's objects, or on an admin endpoint, is refused
 *       (403 or 404), and on its own objects is never refused for want of rights.</li>
 *   <li>Every refusal leaves the store exactly as it was (a snapshot of every record compared).</li>
 *   <li>No answer to a tenant token carries anything of the other tenant it did not send itself:
 *       certificate ids and fingerprints, claim names and TXT values, token ids.</li>
 * </ul>
 * Fixtures are re-created before each call, so a call that succeeds (admin deleting B's
 * certificate, say) does not change what the next one is asked about.
 */
class IsolationMatrixIT {

    static final DemoPki PKI = DemoPki.create("IsolationMatrixIT CA");
    static final Principal ROOT = new Principal("matrix", Principal.ADMIN);
    @TempDir
    static Path data;
    static TestNode node;
    static String admin;
    static final Map<String, String> TOKENS = new LinkedHashMap<>();
    static final Map<String, DemoPki.Issued> CERTS = new TreeMap<>();

    /** One tenant's objects as they are now (ids change when a fixture is re-created). */
    record Objects(String tenant, String certId, String certSha, String verifiedName, String pendingName,
            String txtValue, String spareTokenId) {
    }

    @BeforeAll
    static void start() throws Exception {
        // ACME on (against a CA that is not there: nothing is ordered here) so its endpoints are in the matrix too
        node = new TestNode(data, "matrix-node", String.join("\n", "acme:", "  enabled: true",
                "  directory: 'https://127.0.0.1:9/dir'", "  interval: 1h", "  leaseTtl: 2h", "  resolvers: ['127.0.0.1:9']", ""));
        admin = node.adminToken();
        for (String t : List.of("tenant-a", "tenant-b")) {
            CERTS.put(t, PKI.issueEc("www." + t + ".example"));
        }
        ensureFixtures();
        TOKENS.put("none", null);
        TOKENS.put("malformed", "Bearer not-a-token");
        String expiring = create("{\"scope\":\"tenant:tenant-a\",\"expiresAt\":\""
                + Instant.now().plusSeconds(2) + "\"}");
        String revoked = create("{\"scope\":\"tenant:tenant-a\"}");
        assertThat(node.call("DELETE", "/v1/tokens/" + revoked.split("_")[1], admin, null).status()).isEqualTo(204);
        TOKENS.put("expired", expiring);
        TOKENS.put("revoked", revoked);
        TOKENS.put("tenant-a", create("{\"scope\":\"tenant:tenant-a\"}"));
        TOKENS.put("tenant-b", create("{\"scope\":\"tenant:tenant-b\"}"));
        TOKENS.put("admin", admin);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                node.call("GET", "/v1/status", expiring, null).status() == 401);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    static String create(String body) throws Exception {
        TestNode.Reply r = node.call("POST", "/v1/tokens", admin, body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("token").asText();
    }

    /** Tenants A and B each with a verified wildcard, a pending claim, a certificate and a spare token; a pool and route. */
    static Map<String, Objects> ensureFixtures() throws Exception {
        Map<String, Objects> out = new LinkedHashMap<>();
        FileStore store = node.node.store();
        for (String t : List.of("tenant-a", "tenant-b")) {
            if (store.tenant(t).isEmpty()) {
                node.node.tenants().create(ROOT, t, t);
            }
            node.node.domains().claim(ROOT, t, "*." + t + ".example", true);
            Principal self = new Principal("fixture", Principal.TENANT_PREFIX + t);
            DomainRecord pending = node.node.domains().claim(self, t, "pending." + t + ".example", false).domain();
            var cert = store.certificates().stream().filter(c -> c.tenant().equals(t)).findFirst().orElse(null);
            if (cert == null) {
                DemoPki.Issued issued = CERTS.get(t);
                cert = node.node.certificates().upload(ROOT, new CertificateService.Upload(t,
                        new String(Pem.certificates(issued.chain()), StandardCharsets.US_ASCII),
                        new String(Pem.privateKey(issued.key()), StandardCharsets.US_ASCII), null, null));
            }
            var spare = store.records(RecordKinds.TOKENS).stream().filter(k -> k.scope().equals("tenant:" + t) && !k.revoked()
                    && k.description().equals("spare")).findFirst().orElse(null);
            String spareId = spare != null ? spare.id() : node.node.tokens().create("tenant:" + t, "spare").record().id();
            out.put(t, new Objects(t, cert.id(), cert.fingerprint(), "www." + t + ".example", pending.name(),
                    pending.txtValue(), spareId));
        }
        if (store.pools().stream().noneMatch(p -> p.name().equals("matrix-pool"))) {
            assertThat(node.call("PUT", "/v1/pools/matrix-pool", admin, "{\"servers\":[\"127.0.0.1:9\"]}").status())
                    .isEqualTo(200);
        }
        if (store.records(RecordKinds.ROUTES).stream().noneMatch(r -> r.host().equals("matrix.example"))) {
            assertThat(node.call("PUT", "/v1/routes/matrix.example", admin, "{\"pool\":\"matrix-pool\"}").status())
                    .isEqualTo(200);
        }
        return out;
    }

    /** Every record in the store, as JSON, in a stable order. */
    static String snapshot() throws Exception {
        FileStore s = node.node.store();
        Map<String, Object> all = new TreeMap<>();
        all.put("certificates", sorted(s.certificates()));
        all.put("tenants", sorted(s.tenants()));
        all.put("tokens", sorted(s.records(RecordKinds.TOKENS)));
        all.put("pools", sorted(s.pools()));
        all.put("routes", sorted(s.records(RecordKinds.ROUTES)));
        // the claims without what the node's own background DNS checks write (attempts, what they saw)
        all.put("domains", sorted(s.records(RecordKinds.DOMAINS).stream().map(d -> List.of(d.key(), d.status(), d.txtValue(),
                String.valueOf(d.method()), d.createdAt(), d.verifiedAt())).toList()));
        all.put("managed", sorted(s.records(RecordKinds.MANAGED)));
        all.put("hostnamePolicies", sorted(s.records(RecordKinds.HOSTNAME_POLICIES)));
        return Json.MAPPER.writeValueAsString(all);
    }

    static List<String> sorted(java.util.Collection<?> records) throws Exception {
        List<String> out = new ArrayList<>();
        for (Object r : records) {
            out.add(Json.MAPPER.writeValueAsString(r));
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /** The request for {@code METHOD template} about the objects of {@code o}: path and body. */
    static String[] request(String method, String template, Objects o) throws Exception {
        String path = template.replace("{tenant}", o.tenant()).replace("{id}",
                template.startsWith("/v1/tokens") ? o.spareTokenId() : o.certId())
                .replace("{host}", "matrix.example").replace("{logger}", "dev.gatehouse.matrix");
        if (template.startsWith("/v1/pools")) {
            path = path.replace("{name}", "matrix-pool");
        } else if (template.endsWith("/certificate") || template.endsWith("/policy")) {
            path = path.replace("{name}", o.verifiedName());
        } else {
            path = path.replace("{name}", o.pendingName());
        }
        DemoPki.Issued cert = CERTS.get(o.tenant());
        Map<String, Object> upload = new LinkedHashMap<>();
        upload.put("tenant", o.tenant());
        upload.put("certificatePem", new String(Pem.certificates(cert.chain()), StandardCharsets.US_ASCII));
        upload.put("privateKeyPem", new String(Pem.privateKey(cert.key()), StandardCharsets.US_ASCII));
        String body = switch (method + " " + template) {
            case "POST /v1/tenants" -> "{\"id\":\"matrix-new\"}";
            case "POST /v1/tenants/{tenant}/domains" -> "{\"name\":\"m." + o.tenant() + ".example\"}";
            case "POST /v1/certificates", "PUT /v1/certificates/{id}" -> TestNode.json(upload);
            case "POST /v1/domains" -> "{\"name\":\"n." + o.tenant() + ".example\",\"tenant\":\"" + o.tenant() + "\"}";
            case "POST /v1/tokens" -> "{\"scope\":\"tenant:" + o.tenant() + "\"}";
            case "PUT /v1/pools/{name}" -> "{\"servers\":[\"127.0.0.1:9\"]}";
            case "PUT /v1/routes/{host}" -> "{\"pool\":\"matrix-pool\"}";
            case "PUT /v1/log-levels/{logger}" -> "{\"level\":\"INFO\"}";
            case "PUT /v1/domains/{name}/policy" -> "{\"hsts\":{\"maxAge\":60}}";
            default -> null;
        };
        return new String[] {path, body};
    }

    /** Whether a call about objects of {@code owner} concerns a tenant's objects at all. */
    static boolean aboutObjects(String template, String body) {
        return template.contains("{tenant}") || template.contains("{id}") || template.startsWith("/v1/domains/")
                || body != null && body.contains("tenant");
    }

    @Test
    void everyEndpointRefusesWhatItMustAndRefusalsChangeNothing() throws Exception {
        JsonNode paths = OpenApi.document().path("paths");
        SoftAssertions soft = new SoftAssertions();
        int cells = 0;
        for (var p = paths.fields(); p.hasNext();) {
            var path = p.next();
            for (var o = path.getValue().fields(); o.hasNext();) {
                var op = o.next();
                String method = op.getKey().toUpperCase(java.util.Locale.ROOT);
                String template = path.getKey();
                String access = op.getValue().path("x-gatehouse-access").asText();
                for (String owner : List.of("tenant-a", "tenant-b")) {
                    for (var caller : TOKENS.entrySet()) {
                        Map<String, Objects> objects = ensureFixtures();
                        Objects mine = objects.get(owner);
                        String[] req = request(method, template, mine);
                        String before = snapshot();
                        TestNode.Reply r = node.call(method, req[0], caller.getValue(), req[1]);
                        String after = snapshot();
                        cells++;
                        String cell = caller.getKey() + " " + method + " " + req[0] + " (objects of " + owner + ")";
                        int s = r.status();
                        boolean refused = s >= 400;
                        if (refused) {
                            soft.assertThat(after).as("%s answered %d and changed the store", cell, s).isEqualTo(before);
                        }
                        if (access.equals("PUBLIC")) {
                            continue;
                        }
                        boolean tenantCaller = caller.getKey().startsWith("tenant-");
                        if (!tenantCaller && !caller.getKey().equals("admin")) {
                            soft.assertThat(s).as(cell).isEqualTo(401);
                        } else if (caller.getKey().equals("admin")) {
                            soft.assertThat(s).as(cell + ": " + r.body()).isNotIn(401, 403);
                        } else if (access.equals("ADMIN")) {
                            soft.assertThat(s).as(cell).isEqualTo(403);
                        } else if (!caller.getKey().equals(owner) && aboutObjects(template, req[1])) {
                            soft.assertThat(s).as(cell + ": " + r.body()).isIn(403, 404);
                        } else {
                            soft.assertThat(s).as(cell + ": " + r.body()).isNotIn(401, 403);
                        }
                        if (tenantCaller) {
                            Objects other = objects.get(caller.getKey().equals("tenant-a") ? "tenant-b" : "tenant-a");
                            String sent = req[0] + " " + req[1];
                            for (String secret : List.of(other.certId(), other.certSha(), other.pendingName(),
                                    other.txtValue(), other.spareTokenId(), other.verifiedName())) {
                                if (!sent.contains(secret)) {
                                    soft.assertThat(r.body()).as("%s leaks %s", cell, secret).doesNotContain(secret);
                                }
                            }
                        }
                    }
                }
            }
        }
        assertThat(cells).isGreaterThan(250);
        soft.assertAll();
    }

    @Test
    void aTenantsStatusShowsItsOwnObjectsAndNothingOfTheClusterOrOtherTenants() throws Exception {
        ensureFixtures();
        JsonNode s = node.call("GET", "/v1/status", TOKENS.get("tenant-a"), null).json();
        assertThat(s.path("tenant").asText()).isEqualTo("tenant-a");
        assertThat(s.at("/certificates/stored").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(s.at("/domains/verified").toString()).contains("*.tenant-a.example");
        assertThat(s.toString()).doesNotContain("tenant-b").doesNotContain("127.0.0.1");
        for (String field : List.of("listeners", "cluster", "counters", "node", "inflightRequests")) {
            assertThat(s.has(field)).as(field).isFalse();
        }
        JsonNode full = node.call("GET", "/v1/status", admin, null).json();
        assertThat(full.has("listeners")).isTrue();
    }
}
