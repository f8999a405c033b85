package dev.gatehouse.tls.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.HealthCheckSpec;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.demo.EchoBackend;
import dev.gatehouse.tls.testing.TestEdge;
import dev.gatehouse.tls.testing.Tools;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The reverse proxy against real backends: balancing, health, errors, limits, streaming, upgrades. */
class ProxyBehaviourIT {

    private static final String HOST = "app.tenant-a.test";
    private static TestEdge edge;
    private static EchoBackend second;

    @BeforeAll
    static void start() throws Exception {
        edge = new TestEdge(b -> b.proxy(ProxySettings.defaults()
                .withRequestTimeout(Duration.ofMillis(2500))
                .withMaxBodySize(64L * 1024 * 1024)));
        edge.serveEc("tenant-a", HOST);
        second = EchoBackend.start("backend-2", "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
        second.close();
    }

    @AfterEach
    void defaultRoute() {
        route(BackendPool.of("default", server(edge.backend)));
    }

    private static BackendServer server(EchoBackend b) {
        return new BackendServer("127.0.0.1", b.port());
    }

    private static void route(BackendPool pool) {
        edge.edge.setRouter(Router.builder().defaultPool(pool).build());
    }

    private static String get(String path) throws Exception {
        return edge.probe.exchange(edge.port(), HOST,
                "GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void balancesRoundRobinAcrossServers() throws Exception {
        route(new BackendPool("rr", List.of(server(edge.backend), server(second)), BackendPool.Policy.ROUND_ROBIN,
                null, Duration.ofSeconds(5)));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            String r = get("/");
            assertThat(r).startsWith("HTTP/1.1 200");
            seen.add(r.contains("backend: backend-2") ? "2" : "1");
        }
        assertThat(seen).containsExactlyInAnyOrder("1", "2");
    }

    @Test
    void leastOutstandingAvoidsTheBusyServer() throws Exception {
        BackendServer a = server(edge.backend);
        BackendServer b = server(second);
        route(new BackendPool("lo", List.of(a, b), BackendPool.Policy.LEAST_OUTSTANDING, null, Duration.ofSeconds(5)));
        edge.edge.setRouter(Router.builder().defaultPool(new BackendPool("lo", List.of(a, b),
                BackendPool.Policy.LEAST_OUTSTANDING, null, Duration.ofSeconds(5))).build());
        // requestTimeout is 2.5 s: a 1 s request keeps one server busy without timing out
        CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return get("/slow?ms=1000");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> a.outstanding() + b.outstanding() == 1);
        String busy = a.outstanding() == 1 ? "backend-1" : "backend-2";
        for (int i = 0; i < 3; i++) {
            assertThat(get("/")).doesNotContain("backend: " + busy);
        }
        assertThat(slow.get()).startsWith("HTTP/1.1 200").contains("slow 1000");
    }

    @Test
    void answers502WhenNoServerAcceptsConnections() throws Exception {
        route(BackendPool.of("dead", new BackendServer("127.0.0.1", freePort())));
        String r = get("/");
        assertThat(r).startsWith("HTTP/1.1 502").contains("cannot connect");
        assertThat(edge.edge.metrics().get("proxy.backend_connect_failed")).isPositive();
    }

    @Test
    void retriesOnAnotherServerAndEjectsTheDeadOne() throws Exception {
        BackendServer dead = new BackendServer("127.0.0.1", freePort());
        route(new BackendPool("mixed", List.of(dead, server(edge.backend)), BackendPool.Policy.ROUND_ROBIN, null,
                Duration.ofSeconds(30)));
        for (int i = 0; i < 4; i++) {
            assertThat(get("/")).startsWith("HTTP/1.1 200");
        }
        assertThat(dead.healthy()).isFalse();
    }

    @Test
    void answers503WhenActiveChecksMarkEveryServerDown() throws Exception {
        BackendServer s = server(edge.backend);
        route(new BackendPool("checked", List.of(s), BackendPool.Policy.ROUND_ROBIN,
                new HealthCheckSpec("/status/500", Duration.ofMillis(100), Duration.ofMillis(100), 1, 1),
                Duration.ofSeconds(5)));
        await().atMost(Duration.ofSeconds(5)).until(() -> !s.healthy());
        assertThat(get("/")).startsWith("HTTP/1.1 503").contains("no healthy server");
        BackendServer ok = server(edge.backend);
        route(new BackendPool("checked", List.of(ok), BackendPool.Policy.ROUND_ROBIN,
                new HealthCheckSpec("/healthz", Duration.ofMillis(100), Duration.ofMillis(100), 1, 1),
                Duration.ofSeconds(5)));
        assertThat(get("/")).startsWith("HTTP/1.1 200");
    }

    @Test
    void answers504WhenTheBackendIsTooSlow() throws Exception {
        assertThat(get("/slow?ms=8000")).startsWith("HTTP/1.1 504");
        assertThat(get("/")).startsWith("HTTP/1.1 200"); // and keeps serving
    }

    @Test
    void refusesDeclaredBodyOverTheLimitWith413() throws Exception {
        String r = edge.probe.exchange(edge.port(), HOST, "POST /echo HTTP/1.1\r\nHost: " + HOST
                + "\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\nabc");
        assertThat(r).startsWith("HTTP/1.1 413");
    }

    @Test
    void refusesOversizedHeadersWith431() throws Exception {
        String big = "x".repeat(20_000);
        String r = edge.probe.exchange(edge.port(), HOST, "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Big: " + big
                + "\r\nConnection: close\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 431");
        assertThat(get("/")).startsWith("HTTP/1.1 200");
    }

    @Test
    void removesHopByHopHeadersAndKeepsEndToEndOnes() throws Exception {
        String r = edge.probe.exchange(edge.port(), HOST, "GET / HTTP/1.1\r\nHost: " + HOST
                + "\r\nConnection: close, X-Private\r\nX-Private: secret\r\nKeep-Alive: timeout=5\r\n"
                + "TE: trailers\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nX-End-To-End: kept\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 200").contains("x-end-to-end: kept");
        assertThat(r.toLowerCase()).doesNotContain("x-private").doesNotContain("keep-alive: timeout")
                .doesNotContain("te: trailers").doesNotContain("proxy-authorization");
    }

    @Test
    void replacesForwardingHeadersFromUntrustedClients() throws Exception {
        String r = edge.probe.exchange(edge.port(), HOST, "GET / HTTP/1.1\r\nHost: " + HOST
                + "\r\nX-Forwarded-For: 6.6.6.6\r\nX-Request-Id: client-chosen\r\nConnection: close\r\n\r\n");
        assertThat(r).contains("x-forwarded-for: 127.0.0.1\n").doesNotContain("6.6.6.6")
                .doesNotContain("client-chosen").containsPattern("x-request-id: [0-9a-f]{32}");
    }

    @Test
    void forwardedHostCarriesTheHostWithoutItsPort() throws Exception {
        String r = edge.probe.exchange(edge.port(), HOST, "GET / HTTP/1.1\r\nHost: " + HOST + ":" + edge.port()
                + "\r\nConnection: close\r\n\r\n");
        assertThat(r).contains("x-forwarded-host: " + HOST + "\n").doesNotContain("x-forwarded-host: " + HOST + ":");
    }

    @Test
    void extendsForwardingHeadersFromTrustedProxies() throws Exception {
        try (TestEdge trusting = new TestEdge(b -> b.proxy(ProxySettings.defaults()
                .withTrustedProxies(Set.of("127.0.0.1"))))) {
            trusting.serveEc("t", HOST);
            String r = trusting.probe.exchange(trusting.port(), HOST, "GET / HTTP/1.1\r\nHost: " + HOST
                    + "\r\nX-Forwarded-For: 198.18.0.7\r\nX-Request-Id: upstream-42\r\nConnection: close\r\n\r\n");
            assertThat(r).contains("x-forwarded-for: 198.18.0.7, 127.0.0.1").contains("x-request-id: upstream-42");
        }
    }

    @Test
    void keepsClientConnectionsAliveAcrossRequests() throws Exception {
        try (SSLSocket s = edge.probe.connect(edge.port(), HOST)) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < 3; i++) {
                out.write(("GET /healthz HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] buf = new byte[4096];
                int n = in.read(buf);
                String r = new String(buf, 0, n, StandardCharsets.US_ASCII);
                assertThat(r).startsWith("HTTP/1.1 200");
                if (!r.endsWith("ok\n")) {
                    in.read(buf); // body in a second record
                }
            }
        }
    }

    @Test
    void streamsLargeBodiesBothWaysOverHttp1AndHttp2() throws Exception {
        Tools.require("curl");
        Path upload = Files.createTempFile("gatehouse-upload", ".bin");
        try {
            byte[] chunk = new byte[1 << 20];
            new java.util.Random(7).nextBytes(chunk);
            try (OutputStream o = Files.newOutputStream(upload)) {
                for (int i = 0; i < 24; i++) {
                    o.write(chunk);
                }
            }
            for (String flag : List.of("--http1.1", "--http2")) {
                Tools.Result down = curl(flag, "-o", "/dev/null", "-w", "%{size_download} %{http_code}",
                        "https://" + HOST + ":" + edge.port() + "/bytes?n=50000000");
                assertThat(down.stdout()).as(down.stderr()).isEqualTo("50000000 200");
                Tools.Result up = curl(flag, "--data-binary", "@" + upload, "-H", "Content-Type: application/octet-stream",
                        "-o", "/dev/null", "-w", "%{size_download} %{size_upload} %{http_code}",
                        "https://" + HOST + ":" + edge.port() + "/echo");
                assertThat(up.stdout()).as(up.stderr()).isEqualTo((24 << 20) + " " + (24 << 20) + " 200");
            }
        } finally {
            Files.deleteIfExists(upload);
        }
    }

    private static Tools.Result curl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--cacert", edge.caFile.toString(),
                "--resolve", HOST + ":" + edge.port() + ":127.0.0.1"));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, null, 60);
    }

    @Test
    void passesWebSocketUpgradeThroughAsATunnel() throws Exception {
        try (SSLSocket s = edge.probe.connect(edge.port(), HOST)) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 101")
                    .containsIgnoringCase("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            byte[] frame = "opaque websocket bytes".getBytes(StandardCharsets.US_ASCII);
            for (int round = 0; round < 3; round++) {
                out.write(frame);
                out.flush();
                byte[] echoed = in.readNBytes(frame.length);
                assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("opaque websocket bytes");
            }
        }
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString();
    }

    @Test
    void answersAcmeChallengesAndRedirectsTheRestOnPort80() throws Exception {
        edge.edge.challenges().put("tok_123-abc", "tok_123-abc.thumbprint");
        try (Socket s = new Socket("127.0.0.1", edge.edge.httpPort())) {
            s.getOutputStream().write(("GET /.well-known/acme-challenge/tok_123-abc HTTP/1.1\r\nHost: " + HOST
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(r).startsWith("HTTP/1.1 200").endsWith("tok_123-abc.thumbprint");
        }
        try (Socket s = new Socket("127.0.0.1", edge.edge.httpPort())) {
            s.getOutputStream().write(("GET /.well-known/acme-challenge/unknown HTTP/1.1\r\nHost: " + HOST
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 404");
        }
        try (Socket s = new Socket("127.0.0.1", edge.edge.httpPort())) {
            s.getOutputStream().write(("POST /cart?id=7 HTTP/1.1\r\nHost: " + HOST
                    + ":80\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(r).startsWith("HTTP/1.1 308")
                    .contains("location: https://" + HOST + ":" + edge.port() + "/cart?id=7");
        }
    }
}
