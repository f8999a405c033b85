package dev.gatehouse.tls.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.testing.TestEdge;
import dev.gatehouse.tls.testing.Tools;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real curl and openssl against the engine: one record per request and per handshake, fields filled in. */
class RequestObserverIT {

    private static final LinkedBlockingQueue<RequestRecord> requests = new LinkedBlockingQueue<>();
    private static final LinkedBlockingQueue<HandshakeRecord> handshakes = new LinkedBlockingQueue<>();
    private static TestEdge edge;
    private static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        edge = new TestEdge(b -> b.proxy(dev.gatehouse.tls.proxy.ProxySettings.defaults()
                .withHeaderTimeout(java.time.Duration.ofMillis(800))), new RequestObserver() {
            @Override
            public void onRequest(RequestRecord r) {
                requests.add(r);
            }

            @Override
            public void onHandshake(HandshakeRecord h) {
                handshakes.add(h);
            }
        });
        edge.serveEc("tenant-a", "app.tenant-a.test", "down.tenant-a.test");
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        freshRoutes();
    }

    /** A connect failure ejects the server from its pool: a fresh pool makes the next try a 502 again. */
    private static void freshRoutes() {
        edge.edge.setRouter(Router.builder()
                .route("down.tenant-a.test", BackendPool.of("down", new BackendServer("127.0.0.1", closedPort)))
                .defaultPool(BackendPool.of("default", new BackendServer("127.0.0.1", edge.backend.port())))
                .build());
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static String curl(String flag, String host, String hostHeader, String path) {
        int port = edge.port();
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", flag, "--cacert", edge.caFile.toString(),
                "--resolve", host + ":" + port + ":127.0.0.1", "-o", "/dev/null", "-w", "%{http_code}"));
        if (hostHeader != null) {
            cmd.addAll(List.of("-H", "Host: " + hostHeader));
        }
        cmd.add("https://" + host + ":" + port + path);
        return Tools.run(cmd, null, 30).stdout().trim();
    }

    private static RequestRecord nextRequest() throws InterruptedException {
        RequestRecord r = requests.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("a request record").isNotNull();
        return r;
    }

    @Test
    void recordsProxiedRequestsOverBothProtocols() throws Exception {
        Tools.require("curl");
        for (String flag : List.of("--http1.1", "--http2")) {
            requests.clear();
            handshakes.clear();
            assertThat(curl(flag, "app.tenant-a.test", null, "/hello?secret=1")).isEqualTo("200");
            RequestRecord r = nextRequest();
            assertThat(r.protocol()).isEqualTo(flag.equals("--http2") ? "HTTP/2" : "HTTP/1.1");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.path()).isEqualTo("/hello");
            assertThat(r.query()).isEqualTo("secret=1");
            assertThat(r.sni()).isEqualTo("app.tenant-a.test");
            assertThat(r.host()).startsWith("app.tenant-a.test");
            assertThat(r.certificateId()).isEqualTo("tenant-a");
            assertThat(r.pool()).isEqualTo("default");
            assertThat(r.server()).isEqualTo("127.0.0.1:" + edge.backend.port());
            assertThat(r.client().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(r.bytesOut()).isPositive();
            assertThat(r.handshakeNanos()).isPositive();
            assertThat(r.connectNanos()).isGreaterThanOrEqualTo(0);
            assertThat(r.ttfbNanos()).isPositive().isLessThanOrEqualTo(r.totalNanos());
            assertThat(r.tlsVersion()).isEqualTo("TLSv1.3");
            assertThat(r.cipher()).isNotBlank();
            assertThat(r.resumed()).isFalse();
            assertThat(r.requestId()).matches("[0-9a-f]{32}");
            assertThat(r.cause()).isNull();
            assertThat(r.startEpochMillis()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(10_000L));
            HandshakeRecord h = handshakes.poll(5, TimeUnit.SECONDS);
            assertThat(h).isNotNull();
            assertThat(h.outcome()).isEqualTo("full");
            assertThat(h.ok()).isTrue();
            assertThat(h.certificateId()).isEqualTo("tenant-a");
            assertThat(h.durationNanos()).isEqualTo(r.handshakeNanos());
            assertThat(requests.poll(200, TimeUnit.MILLISECONDS)).as("exactly one record").isNull();
        }
    }

    @Test
    void recordsOwnAnswersWithTheirCause() throws Exception {
        Tools.require("curl");
        for (String flag : List.of("--http1.1", "--http2")) {
            requests.clear();
            assertThat(curl(flag, "app.tenant-a.test", "other.example", "/x")).isEqualTo("421");
            RequestRecord r = nextRequest();
            assertThat(r.status()).isEqualTo(421);
            assertThat(r.cause()).isEqualTo("misdirected");
            assertThat(r.pool()).isNull();
            assertThat(r.ttfbNanos()).isEqualTo(-1);
            assertThat(r.connectNanos()).isEqualTo(-1);
            assertThat(r.bytesOut()).isPositive();

            freshRoutes();
            assertThat(curl(flag, "down.tenant-a.test", null, "/y")).isEqualTo("502");
            r = nextRequest();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.cause()).isEqualTo("backend_connect");
            assertThat(r.pool()).isEqualTo("down");
            assertThat(r.server()).isEqualTo("127.0.0.1:" + closedPort);
            assertThat(r.upstreamError()).containsIgnoringCase("refused");
            assertThat(r.requestId()).isNotNull();
        }
    }

    @Test
    void recordsA408ForAHeadThatNeverCompletes() throws Exception {
        requests.clear();
        try (javax.net.ssl.SSLSocket s = edge.probe.connect(edge.port(), "app.tenant-a.test")) {
            s.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: app.tenant-a.test\r\n".getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII)); // and never the blank line
            s.getOutputStream().flush();
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 408");
        }
        RequestRecord r = requests.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        assertThat(r.status()).isEqualTo(408);
        assertThat(r.cause()).isEqualTo("header_timeout");
        assertThat(r.method()).isNull();
        assertThat(r.path()).isNull();
        assertThat(r.sni()).isEqualTo("app.tenant-a.test");
        assertThat(r.protocol()).isEqualTo("HTTP/1.1");
        assertThat(r.bytesOut()).isEqualTo(37);
        assertThat(r.totalNanos()).isGreaterThanOrEqualTo(java.time.Duration.ofMillis(800).toNanos());
        assertThat(r.tlsVersion()).isNotNull();
    }

    @Test
    void recordsAWebSocketTunnelWhenItClosesWithItsBytesBothWays() throws Exception {
        requests.clear();
        byte[] frame = "opaque websocket bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (javax.net.ssl.SSLSocket s = edge.probe.connect(edge.port(), "app.tenant-a.test")) {
            java.io.OutputStream out = s.getOutputStream();
            java.io.InputStream in = s.getInputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: app.tenant-a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            assertThat(requests.poll(300, java.util.concurrent.TimeUnit.MILLISECONDS))
                    .as("no record while the tunnel is open").isNull();
            for (int round = 0; round < 3; round++) {
                out.write(frame);
                out.flush();
                assertThat(in.readNBytes(frame.length)).isEqualTo(frame);
            }
        }
        RequestRecord r = requests.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        assertThat(r.status()).isEqualTo(101);
        assertThat(r.path()).isEqualTo("/ws");
        assertThat(r.cause()).isNull();
        assertThat(r.bytesIn()).as("tunnel bytes from the client").isEqualTo(3L * frame.length);
        assertThat(r.bytesOut()).as("tunnel bytes to the client").isEqualTo(3L * frame.length);
    }

    @Test
    void recordsRefusedHandshakes() throws Exception {
        Tools.require("openssl");
        handshakes.clear();
        Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + edge.port(), "-servername",
                "unknown.example"), new byte[0], 30);
        await().atMost(Duration.ofSeconds(10)).until(() -> !handshakes.isEmpty());
        HandshakeRecord h = handshakes.poll();
        assertThat(h.outcome()).isEqualTo("unknown_sni");
        assertThat(h.ok()).isFalse();
        assertThat(h.sni()).isEqualTo("unknown.example");
        assertThat(h.certificateId()).isNull();
        assertThat(h.durationNanos()).isGreaterThanOrEqualTo(0);
    }
}
