package dev.gatehouse.appliance.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.appliance.node.Node;
import dev.gatehouse.tls.demo.EchoBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

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
    private ConsoleClient console;
    public final List<String> responses = Collections.synchronizedList(new ArrayList<>());
    private final String name;
    private final String extraYaml;
    private final String consoleYaml;

    public TestNode(Path dataDir) throws Exception {
        this(dataDir, "test-node", "");
    }

    /** A node named {@code name} with more configuration sections appended ({@code acme:}, {@code cluster:}). */
    public TestNode(Path dataDir, String name, String extraYaml) throws Exception {
        this(dataDir, name, "", extraYaml);
    }

    /**
     * As above, with more {@code console:} fields ({@code "maxQueuedRequests: 4, workerThreads: 1"}).
     * Unless set here, the failed-authentication throttle is loose (10000 per 10 s): suites that
     * probe with bad tokens on purpose are not throttled.
     */
    public TestNode(Path dataDir, String name, String consoleYaml, String extraYaml) throws Exception {
        this.dataDir = dataDir;
        this.name = name;
        this.extraYaml = extraYaml;
        this.consoleYaml = consoleYaml;
        this.backend = EchoBackend.start("backend-1", "127.0.0.1", 0);
        start();
    }

    /** (Re)starts the node on the same data directory. */
    public void start() throws Exception {
        node = Node.start(ConfigLoader.parse("test", String.join("\n",
                "node: {name: " + name + ", dataDir: '" + dataDir + "'}",
                "listeners: {https: '127.0.0.1:0', http: '127.0.0.1:0'}",
                "console: {listen: '127.0.0.1:0'"
                        + (consoleYaml.contains("maxUploadBytes") ? "" : ", maxUploadBytes: 64KiB")
                        + (consoleYaml.contains("authFailureLimit") ? "" : ", authFailureLimit: 10000")
                        + (consoleYaml.isEmpty() ? "" : ", " + consoleYaml) + "}",
                "proxy: {drainTimeout: 1s}",
                // many nodes run side by side in the tests: an ephemeral metrics port unless a test sets one
                extraYaml.contains("metrics:") ? "" : "metrics: {listen: '127.0.0.1:0'}",
                "pools: [{name: app, servers: ['127.0.0.1:" + backend.port() + "']}]",
                "defaultPool: app", extraYaml)));
        console = new ConsoleClient(dataDir, node.consolePort());
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

    public int httpPort() {
        return node.edge().httpPort();
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
        Reply r = console.call(method, path, token, body);
        responses.add(r.body());
        return r;
    }

    /** Creates tenant {@code id} through the console as {@code admin}: 201 expected. */
    public void createTenant(String admin, String id) throws Exception {
        assertThat(call("POST", "/v1/tenants", admin, "{\"id\":\"" + id + "\"}").status()).isEqualTo(201);
    }

    /** Assigns {@code name} to {@code tenant} by an administrator's fiat (no claim to prove): 200 expected. */
    public void assignDomain(String admin, String tenant, String name) throws Exception {
        assertThat(call("POST", "/v1/tenants/" + tenant + "/domains", admin, "{\"name\":\"" + name + "\"}").status())
                .isEqualTo(200);
    }

    /**
     * Polls {@code GET /v1/domains/{name}} as {@code token} (every 200 ms, for up to 30 s) until the
     * domain's status is {@code status}; the last answer, for the test to look at the rest of it.
     */
    public JsonNode awaitDomainStatus(String token, String name, String status) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = call("GET", "/v1/domains/" + name, token, null).json();
            return status.equals(last[0].path("status").asText());
        });
        return last[0];
    }

    public static String json(Object o) throws Exception {
        return JSON.writeValueAsString(o);
    }

    @Override
    public void close() {
        stop();
        backend.close();
    }
}
