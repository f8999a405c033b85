package dev.gatehouse.appliance.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.appliance.node.Node;
import dev.gatehouse.appliance.testing.ConsoleClient;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.SlowDns;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.EchoBackend;
import dev.gatehouse.tls.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend addressed by a name whose nameserver is slow, and another one by IP literal, behind a
 * node with a single I/O thread: the name is resolved without blocking that thread, so requests
 * to the IP-literal route go through while the name is still being looked up. Then the routing
 * table changes through the console and the servers carry over with their pooled connections.
 */
class BackendDnsIT {

    private static final String SLOW_NAME = "backend.slow.dns.test";

    @TempDir
    Path dir;
    private final DemoPki pki = DemoPki.create("Gatehouse DNS Test CA");
    private EchoBackend slowBackend;
    private EchoBackend fastBackend;
    private SlowDns dns;
    private Node node;
    private Path ca;
    private final List<Process> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Tools.require("curl");
        slowBackend = EchoBackend.start("slow-backend", "127.0.0.1", 0);
        fastBackend = EchoBackend.start("fast-backend", "127.0.0.1", 0);
        // held until released (30 s at most): with a blocking resolver on the one I/O thread, nothing would pass
        dns = new SlowDns(30_000, 300).name(SLOW_NAME, "127.0.0.1", true);
        Path certs = Files.createDirectories(dir.resolve("certs"));
        DemoPki.Issued wildcard = pki.issueEc("*.dns.test");
        NodeFixtures.writePem(certs.resolve("wildcard.pem"), wildcard);
        ca = NodeFixtures.writeCaPem(dir.resolve("ca.pem"), pki);
        node = Node.start(ConfigLoader.parse("test", String.join("\n",
                "node: {name: dns-node, dataDir: '" + dir.resolve("data") + "'}",
                "listeners: {https: '127.0.0.1:0', http: off, ioThreads: 1}",
                "console: {listen: '127.0.0.1:0'}",
                "metrics: {listen: '127.0.0.1:0'}",
                "proxy: {drainTimeout: 1s, connectTimeout: 20s}",
                "tls: {certificateDirs: ['" + certs + "'], defaultCertificate: wildcard}",
                "dns: {servers: ['127.0.0.1:" + dns.port() + "'], queryTimeout: 25s}",
                "pools:",
                "  - {name: slow, servers: ['" + SLOW_NAME + ":" + slowBackend.port() + "']}",
                "  - {name: fast, servers: ['127.0.0.1:" + fastBackend.port() + "']}",
                "routes:",
                "  - {host: slow.dns.test, pool: slow}",
                "  - {host: fast.dns.test, pool: fast}")));
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(Process::destroyForcibly);
        for (Process p : clients) {
            p.waitFor(5, TimeUnit.SECONDS);
        }
        NodeFixtures.closeAll(node, dns, slowBackend, fastBackend);
    }

    private List<String> curl(String host, int maxSeconds) {
        int port = node.edge().httpsPort();
        return List.of("curl", "-sS", "--max-time", String.valueOf(maxSeconds), "--cacert", ca.toString(),
                "--resolve", host + ":" + port + ":127.0.0.1", "https://" + host + ":" + port + "/");
    }

    private Process background(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        clients.add(p);
        return p;
    }

    @Test
    void aSlowNameserverDoesNotDelayRequestsToOtherBackendsOnTheSameEventLoop() throws Exception {
        Process slow = background(curl("slow.dns.test", 60));
        await().atMost(Duration.ofSeconds(20)).until(() -> dns.queries(SLOW_NAME) > 0); // its lookup is under way

        for (int i = 0; i < 3; i++) {
            Tools.Result fast = Tools.run(curl("fast.dns.test", 10), null, 15);
            assertThat(fast.exitCode()).as(fast.all()).isZero();
            assertThat(fast.stdout()).contains("backend: fast-backend");
        }
        assertThat(slow.isAlive()).as("the slow-named request waits for its nameserver, nothing else does").isTrue();

        dns.release();
        assertThat(slow.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String body = new String(slow.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(slow.exitValue()).as(body).isZero();
        assertThat(body).contains("backend: slow-backend");

        // the answer is cached for its TTL (300 s): the next request asks no nameserver
        int asked = dns.queries(SLOW_NAME);
        Tools.Result again = Tools.run(curl("slow.dns.test", 10), null, 15);
        assertThat(again.stdout()).as(again.all()).contains("backend: slow-backend");
        assertThat(dns.queries(SLOW_NAME)).isEqualTo(asked);
    }

    @Test
    void aRouteChangeInTheClusterKeepsServersAndReusesTheirPooledConnections() throws Exception {
        dns.release();
        Tools.Result first = Tools.run(curl("fast.dns.test", 10), null, 15);
        assertThat(first.stdout()).as(first.all()).contains("backend: fast-backend");
        BackendServer fast = node.edge().router().route("fast.dns.test").servers().get(0);
        BackendServer slow = node.edge().router().route("slow.dns.test").servers().get(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> fast.idleConnections() == 1);
        assertThat(fast.connectionsOpened()).isEqualTo(1);

        ConsoleClient console = new ConsoleClient(dir.resolve("data"), node.consolePort());
        String admin = Files.readString(dir.resolve("data").resolve("admin.token")).trim();
        assertThat(console.call("PUT", "/v1/pools/extra", admin, "{\"servers\":[\"127.0.0.1:"
                + slowBackend.port() + "\"]}").status()).isEqualTo(200);
        assertThat(console.call("PUT", "/v1/routes/other.dns.test", admin, "{\"pool\":\"extra\"}").status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> node.edge().router().route("other.dns.test") != null
                && "extra".equals(node.edge().router().route("other.dns.test").name()));

        assertThat(node.edge().router().route("fast.dns.test").servers().get(0)).isSameAs(fast);
        assertThat(node.edge().router().route("slow.dns.test").servers().get(0)).isSameAs(slow);
        assertThat(fast.retired()).isFalse();
        Tools.Result second = Tools.run(curl("fast.dns.test", 10), null, 15);
        assertThat(second.stdout()).as(second.all()).contains("backend: fast-backend");
        assertThat(fast.connectionsOpened()).isEqualTo(1);
        assertThat(fast.connectionsReused()).isEqualTo(1);
        Tools.Result other = Tools.run(curl("other.dns.test", 10), null, 15);
        assertThat(other.stdout()).as(other.all()).contains("backend: slow-backend");
    }
}
