package dev.gatehouse.appliance.metrics;

import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Shared steps of the metrics ITs: a tenant with a served certificate, a scrape, the repository's ops files. */
final class MetricsFixture {

    private MetricsFixture() {
    }

    /** The repository's {@code ops/} directory (tests run in {@code appliance/}). */
    static Path ops() {
        return Path.of("..", "ops").toAbsolutePath().normalize();
    }

    /** Creates {@code tenant}, gives it {@code name} and uploads a certificate of {@code pki} for it. */
    static void tenantWithCertificate(TestNode node, DemoPki pki, String tenant, String name) throws Exception {
        String admin = node.adminToken();
        check(node.call("POST", "/v1/tenants", admin, "{\"id\":\"" + tenant + "\"}"), 201);
        check(node.call("POST", "/v1/tenants/" + tenant + "/domains", admin, "{\"name\":\"" + name + "\"}"), 200);
        DemoPki.Issued cert = pki.issueEc(name);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", tenant);
        m.put("certificatePem", new String(Pem.certificates(cert.chain()), StandardCharsets.US_ASCII));
        m.put("privateKeyPem", new String(Pem.privateKey(cert.key()), StandardCharsets.US_ASCII));
        check(node.call("POST", "/v1/certificates", admin, TestNode.json(m)), 201);
    }

    private static void check(TestNode.Reply r, int status) {
        if (r.status() != status) {
            throw new AssertionError("expected " + status + ", got " + r.status() + ": " + r.body());
        }
    }

    /** GET /metrics (Prometheus text), with the bearer token when not null. */
    static String scrape(TestNode node, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.node.metricsUrl()));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("scrape: " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }
}
