package dev.gatehouse.appliance.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.appliance.node.Node;
import dev.gatehouse.tls.demo.EchoBackend;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A whole node in this JVM on loopback (ephemeral ports, a data directory of the test's), with one
 * echo backend as default pool, and an HTTPS client for its console. Every response body is kept
 * so tests can scan them for secrets.
 */
public final class TestNode implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    public final Path dataDir;
    public final EchoBackend backend;
    public Node node;
    private HttpClient http;
    public final List<String> responses = Collections.synchronizedList(new ArrayList<>());

    public TestNode(Path dataDir) throws Exception {
        this.dataDir = dataDir;
        this.backend = EchoBackend.start("backend-1", "127.0.0.1", 0);
        start();
    }

    /** (Re)starts the node on the same data directory. */
    public void start() throws Exception {
        node = Node.start(ConfigLoader.parse("test", String.join("\n",
                "node: {name: test-node, dataDir: '" + dataDir + "'}",
                "listeners: {https: '127.0.0.1:0', http: '127.0.0.1:0'}",
                "console: {listen: '127.0.0.1:0', maxUploadBytes: 64KiB}",
                "proxy: {drainTimeout: 1s}",
                "pools: [{name: app, servers: ['127.0.0.1:" + backend.port() + "']}]",
                "defaultPool: app")));
        http = HttpClient.newBuilder().sslContext(trusting(node.consoleCertificate()))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public void stop() {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    public String adminToken() throws Exception {
        return Files.readString(dataDir.resolve("admin.token")).trim();
    }

    public int httpsPort() {
        return node.edge().httpsPort();
    }

    public String consoleUrl() {
        return "https://127.0.0.1:" + node.consolePort();
    }

    /** A response: status, raw body, parsed JSON (or null). */
    public record Reply(int status, String body, JsonNode json, String contentType) {
    }

    public Reply call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(consoleUrl() + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        responses.add(r.body());
        JsonNode json = null;
        try {
            json = r.body().isEmpty() ? null : JSON.readTree(r.body());
        } catch (Exception notJson) {
            // leave null
        }
        return new Reply(r.statusCode(), r.body(), json, r.headers().firstValue("content-type").orElse(""));
    }

    public static String json(Object o) throws Exception {
        return JSON.writeValueAsString(o);
    }

    private static SSLContext trusting(Path certFile) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("console", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certFile))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Override
    public void close() {
        stop();
        backend.close();
    }
}
