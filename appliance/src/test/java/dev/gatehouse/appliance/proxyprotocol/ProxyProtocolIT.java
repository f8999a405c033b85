package dev.gatehouse.appliance.proxyprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.NodeProcess;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.EchoBackend;
import dev.gatehouse.tls.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node as a real process behind a pretend load balancer: the PROXY protocol is trusted from
 * 127.0.0.2 only. Clients (Java sockets bound to that source, writing the header bytes, then TLS
 * over the same socket) send v1 and v2 headers; the backend must see the header's source in
 * X-Forwarded-For / Forwarded, and the access log must have it. A header from 127.0.0.1 (not
 * trusted), no header from 127.0.0.2, and malformed headers are refused, and counted in
 * {@code /v1/status} and {@code /metrics}. Real curl (HTTP/1.1 and HTTP/2) goes through a pretend
 * NLB that relays with a v2 header.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ProxyProtocolIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HOST = "app.pp.test";
    private static final InetAddress BALANCER = address("127.0.0.2");
    private static final InetAddress STRANGER = address("127.0.0.1");
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @TempDir
    static Path dir;
    static EchoBackend backend;
    static NodeProcess node;
    static SSLContext tls;
    static Path caFile;
    static Path accessLog;
    static int httpPort;
    static int metricsPort;

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        DemoPki pki = DemoPki.create("ProxyProtocolIT CA");
        DemoPki.Issued cert = pki.issueEc(HOST);
        Path certs = Files.createDirectories(dir.resolve("certs"));
        NodeFixtures.writePem(certs.resolve("app.pem"), cert);
        caFile = NodeFixtures.writeCaPem(dir.resolve("ca.crt"), pki);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", pki.caCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);

        backend = EchoBackend.start("backend-pp", "127.0.0.1", 0);
        accessLog = dir.resolve("access.log");
        node = new NodeProcess(dir.resolve("pp-node"), String.join("\n",
                "listeners: {https: '127.0.0.1:0', http: '127.0.0.1:0', redirectHttp: true,",
                "  proxyProtocol: {from: ['127.0.0.2/32', '::2/128'], timeout: 2s}}",
                "console: {listen: '127.0.0.1:0'}",
                "metrics: {listen: '127.0.0.1:0'}",
                "proxy: {drainTimeout: 1s}",
                "tls: {certificateDirs: ['" + certs + "']}",
                "pools: [{name: app, servers: ['127.0.0.1:" + backend.port() + "']}]",
                "defaultPool: app",
                "accessLog: {enabled: true, path: '" + accessLog + "'}", "")).start().awaitReady();
        JsonNode status = status();
        String http = status.at("/listeners/http").asText();
        httpPort = Integer.parseInt(http.substring(http.lastIndexOf(':') + 1));
        Pattern metrics = Pattern.compile("event=metrics_listening address=[^:]+:(\\d+)");
        metricsPort = node.log.stream().map(metrics::matcher).filter(Matcher::find)
                .mapToInt(m -> Integer.parseInt(m.group(1))).findFirst().orElseThrow();
    }

    @AfterAll
    static void stop() throws Exception {
        NodeFixtures.closeAll(node, backend);
    }

    private static JsonNode status() throws Exception {
        String admin = Files.readString(node.dataDir.resolve("admin.token")).trim();
        return node.console().call("GET", "/v1/status", admin, null).json();
    }

    private static long counter(String name) throws Exception {
        return status().path("counters").path(name).asLong();
    }

    private static String metrics() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A TCP connection to {@code port} from {@code source}, {@code header} written first. */
    private static Socket connect(InetAddress source, int port, byte[] header) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        if (header.length > 0) {
            s.getOutputStream().write(header);
            s.getOutputStream().flush();
        }
        return s;
    }

    /** GET {@code path} over TLS on a connection that may start with a PROXY header; the whole answer. */
    private static String httpsGet(InetAddress source, byte[] header, String path) throws IOException {
        try (Socket raw = connect(source, node.httpsPort, header);
             SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, HOST, node.httpsPort, true)) {
            s.startHandshake();
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + HOST
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static byte[] v1(String family, String src, String dst, int srcPort, int dstPort) {
        return ("PROXY " + family + " " + src + " " + dst + " " + srcPort + " " + dstPort + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** A v2 PROXY header as an AWS NLB sends it: TCP, and the VPC endpoint TLV (0xEA). */
    private static byte[] v2(String src, String dst, int srcPort, int dstPort) {
        byte[] s = address(src).getAddress();
        byte[] d = address(dst).getAddress();
        byte[] vpce = "\u0001vpce-08d2bf15fa8e5c2ab".getBytes(StandardCharsets.US_ASCII);
        int len = 2 * s.length + 4 + 3 + vpce.length;
        ByteBuffer b = ByteBuffer.allocate(16 + len).put(V2_SIGNATURE).put((byte) 0x21)
                .put((byte) (s.length == 4 ? 0x11 : 0x21)).putShort((short) len)
                .put(s).put(d).putShort((short) srcPort).putShort((short) dstPort)
                .put((byte) 0xEA).putShort((short) vpce.length).put(vpce);
        return b.array();
    }

    private static String header(String response, String name) {
        Matcher m = Pattern.compile("(?mi)^" + Pattern.quote(name) + ": (.*)$").matcher(response);
        return m.find() ? m.group(1).trim() : null;
    }

    private static JsonNode logLine(String path) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> {
            if (!Files.exists(accessLog)) {
                return null;
            }
            for (String l : Files.readAllLines(accessLog)) {
                JsonNode j = JSON.readTree(l);
                if (path.equals(j.path("path").asText())) {
                    return j;
                }
            }
            return null;
        }, j -> j != null);
    }

    /** True when the server closed the connection (end of stream or reset) without answering. */
    private static boolean closedWithoutAnswer(Socket s) {
        try (InputStream in = s.getInputStream()) {
            return in.read() == -1;
        } catch (SocketException reset) {
            return true;
        } catch (IOException e) {
            return false; // e.g. a read timeout: still open
        }
    }

    @Test
    void aV1HeaderFromTheBalancerBecomesTheClientAddressForTheBackendAndTheAccessLog() throws Exception {
        String r = httpsGet(BALANCER, v1("TCP4", "203.0.113.7", "127.0.0.1", 51000, 443), "/pp-v1");
        assertThat(r).startsWith("HTTP/1.1 200");
        assertThat(header(r, "x-forwarded-for")).isEqualTo("203.0.113.7");
        assertThat(header(r, "forwarded")).startsWith("for=203.0.113.7;proto=https");
        assertThat(header(r, "x-forwarded-port")).as("the port the client connected to").isEqualTo("443");
        JsonNode l = logLine("/pp-v1");
        assertThat(l.get("client").asText()).isEqualTo("203.0.113.7");
        assertThat(l.get("clientPort").asInt()).isEqualTo(51000);
        assertThat(counter("proxy_protocol.accepted")).isPositive();
    }

    @Test
    void aV2HeaderAsAnNlbSendsItCarriesAnIpv6Client() throws Exception {
        String r = httpsGet(BALANCER, v2("2001:db8::7", "2001:db8::1", 61000, 443), "/pp-v2");
        assertThat(r).startsWith("HTTP/1.1 200");
        assertThat(header(r, "x-forwarded-for")).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(header(r, "forwarded")).startsWith("for=\"[2001:db8:0:0:0:0:0:7]\"");
        JsonNode l = logLine("/pp-v2");
        assertThat(l.get("client").asText()).isIn("2001:db8:0:0:0:0:0:7", "2001:db8::7");
        assertThat(l.get("clientPort").asInt()).isEqualTo(61000);

        String v4 = httpsGet(BALANCER, v2("198.51.100.20", "10.0.0.1", 40000, 443), "/pp-v2-ipv4");
        assertThat(header(v4, "x-forwarded-for")).isEqualTo("198.51.100.20");
    }

    @Test
    void realCurlThroughAPretendNlbOverHttp1AndHttp2() throws Exception {
        Tools.require("curl");
        try (PretendNlb nlb = new PretendNlb(node.httpsPort, "192.0.2.33")) {
            for (String flag : List.of("--http1.1", "--http2")) {
                String path = "/via-nlb" + flag.replace("-", "").replace(".", "");
                Tools.Result r = Tools.run(List.of("curl", "-sS", flag, "--cacert", caFile.toString(),
                        "--resolve", HOST + ":" + nlb.port() + ":127.0.0.1",
                        "https://" + HOST + ":" + nlb.port() + path), null, 30);
                assertThat(r.exitCode()).as(r.all()).isZero();
                assertThat(header(r.stdout(), "x-forwarded-for")).as(flag).isEqualTo("192.0.2.33");
                JsonNode l = logLine(path);
                assertThat(l.get("client").asText()).isEqualTo("192.0.2.33");
                assertThat(l.get("protocol").asText()).isEqualTo(flag.equals("--http2") ? "HTTP/2" : "HTTP/1.1");
            }
        }
    }

    @Test
    void realHaproxySendingV1AndV2FromTheTrustedSource() throws Exception {
        Tools.require("haproxy");
        Tools.require("curl");
        int v1 = freePort();
        int v2 = freePort();
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), String.join("\n",
                "global", "  nbthread 1",
                "defaults", "  mode tcp", "  timeout connect 5s", "  timeout client 30s", "  timeout server 30s",
                "frontend v1", "  bind 127.0.0.1:" + v1, "  default_backend gh-v1",
                "frontend v2", "  bind 127.0.0.1:" + v2, "  default_backend gh-v2",
                // source 127.0.0.2: the connection comes from the trusted address, the header names the client
                "backend gh-v1", "  server gh 127.0.0.1:" + node.httpsPort + " send-proxy source 127.0.0.2",
                "backend gh-v2", "  server gh 127.0.0.1:" + node.httpsPort + " send-proxy-v2 source 127.0.0.2", ""));
        Process haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        try {
            for (int port : List.of(v1, v2)) {
                await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
                    try (Socket probe = new Socket("127.0.0.1", port)) {
                        return true;
                    }
                });
            }
            for (int port : List.of(v1, v2)) {
                String path = "/via-haproxy-" + (port == v1 ? "v1" : "v2");
                Tools.Result r = Tools.run(List.of("curl", "-sS", "--http1.1", "--cacert", caFile.toString(),
                        "--resolve", HOST + ":" + port + ":127.0.0.1", "-w", "\nlocal_port=%{local_port}\n",
                        "https://" + HOST + ":" + port + path), null, 30);
                assertThat(r.exitCode()).as(r.all()).isZero();
                // the socket came from 127.0.0.2; only the header could have said 127.0.0.1 and curl's port
                assertThat(header(r.stdout(), "x-forwarded-for")).as(path).isEqualTo("127.0.0.1");
                Matcher local = Pattern.compile("local_port=(\\d+)").matcher(r.stdout());
                assertThat(local.find()).isTrue();
                JsonNode l = logLine(path);
                assertThat(l.get("client").asText()).isEqualTo("127.0.0.1");
                assertThat(l.get("clientPort").asInt()).isEqualTo(Integer.parseInt(local.group(1)));
            }
        } finally {
            haproxy.destroy();
            if (!haproxy.waitFor(10, TimeUnit.SECONDS)) {
                haproxy.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, STRANGER)) {
            return s.getLocalPort();
        }
    }

    /**
     * A load balancer in miniature: accepts on loopback, connects to the node from 127.0.0.2 (the
     * trusted source), writes a v2 header naming {@code clientAddress} (and the client's real port),
     * then relays bytes both ways, as an NLB with proxy protocol v2 does.
     */
    static final class PretendNlb implements AutoCloseable {
        private final java.net.ServerSocket listener;
        private final List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();

        PretendNlb(int target, String clientAddress) throws IOException {
            listener = new java.net.ServerSocket(0, 16, STRANGER);
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket client = listener.accept();
                        Socket upstream = connect(BALANCER, target,
                                v2(clientAddress, "127.0.0.1", client.getPort(), 443));
                        open.add(client);
                        open.add(upstream);
                        pump(client, upstream);
                        pump(upstream, client);
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            }, "pretend-nlb");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private static void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                try {
                    from.getInputStream().transferTo(to.getOutputStream());
                    to.shutdownOutput();
                } catch (IOException e) {
                    // either side closed
                }
            }, "pretend-nlb-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }

    @Test
    void thePortEightyListenerTakesTheHeaderToo() throws Exception {
        try (Socket s = connect(BALANCER, httpPort, v1("TCP4", "203.0.113.9", "127.0.0.1", 52000, 80))) {
            s.getOutputStream().write(("GET /somewhere HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(r).startsWith("HTTP/1.1 308");
        }
    }

    @Test
    void aHeaderFromASourceOutsideTheTrustedNetworksIsRefusedAndCounted() throws Exception {
        long before = counter("proxy_protocol.refused.untrusted_source");
        try (Socket s = connect(STRANGER, node.httpsPort, v1("TCP4", "203.0.113.66", "127.0.0.1", 1234, 443))) {
            assertThat(closedWithoutAnswer(s)).isTrue();
        }
        try (Socket s = connect(STRANGER, node.httpsPort, v2("203.0.113.66", "127.0.0.1", 1234, 443))) {
            assertThat(closedWithoutAnswer(s)).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(counter("proxy_protocol.refused.untrusted_source")).isEqualTo(before + 2));
        assertThat(metrics()).containsPattern(
                "gatehouse_proxy_protocol_refused_total\\{[^}]*reason=\"untrusted_source\"[^}]*\\} " + (before + 2));

        // the same source without a header is an ordinary client, with its own address
        String r = httpsGet(STRANGER, new byte[0], "/pp-direct");
        assertThat(r).startsWith("HTTP/1.1 200");
        assertThat(header(r, "x-forwarded-for")).isEqualTo("127.0.0.1");
    }

    @Test
    void theBalancerMustSendAHeaderAndAWellFormedOne() throws Exception {
        long before = counter("proxy_protocol.refused.malformed");
        List<byte[]> bad = List.of(
                new byte[0],                                                         // TLS at once, no header
                v1("TCP4", "999.0.113.7", "127.0.0.1", 51000, 443),                  // not an address
                "PROXY TCP4 203.0.113.7\r\n".getBytes(StandardCharsets.US_ASCII),    // fields missing
                ("PROXY TCP4 " + "1".repeat(120)).getBytes(StandardCharsets.US_ASCII), // longer than 107 bytes
                java.util.Arrays.copyOf(V2_SIGNATURE, 16));                          // v2, version 0
        for (byte[] header : bad) {
            try (Socket raw = connect(BALANCER, node.httpsPort, header)) {
                if (header.length == 0) {
                    SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, HOST, node.httpsPort, true);
                    org.assertj.core.api.Assertions.assertThatThrownBy(s::startHandshake).isInstanceOf(IOException.class);
                } else {
                    assertThat(closedWithoutAnswer(raw)).as(new String(header, StandardCharsets.ISO_8859_1)).isTrue();
                }
            }
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(counter("proxy_protocol.refused.malformed")).isEqualTo(before + bad.size()));
        assertThat(metrics()).containsPattern("gatehouse_proxy_protocol_refused_total\\{[^}]*reason=\"malformed\"");
    }

    @Test
    void aBalancerThatSendsHalfAHeaderIsCutOffAtTheTimeout() throws Exception {
        long before = counter("proxy_protocol.refused.timeout");
        long t0 = System.nanoTime();
        try (Socket s = connect(BALANCER, node.httpsPort, "PROXY TCP4 203.0.113.7 ".getBytes(StandardCharsets.US_ASCII))) {
            assertThat(closedWithoutAnswer(s)).isTrue();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(counter("proxy_protocol.refused.timeout")).isEqualTo(before + 1));
    }
}
