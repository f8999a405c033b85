package dev.gatehouse.appliance.proxyprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.NodeProcess;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.Tools;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * A node whose pools send the PROXY protocol to a real HAProxy backend ({@code accept-proxy}), which
 * answers every request with what it parsed: the client's address and port ({@code src}), the
 * destination, the SNI name of the v2 {@code PP2_TYPE_AUTHORITY} TLV, and the source port of the
 * backend connection itself ({@code fc_src_port}, which tells backend connections apart). Real curl
 * (HTTP/1.1 and HTTP/2) and h2load are the clients. A pool without the option goes to a plain HAProxy
 * frontend and still shares its backend connection between client connections.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BackendProxyProtocolIT {

    private static final String V2 = "v2.pp.test";
    private static final String V1 = "v1.pp.test";
    private static final String PLAIN = "plain.pp.test";
    private static final String API = "api.pp.test";
    private static final Pattern ANSWER = Pattern.compile(
            "src=(\\S+):(\\d+) dst=(\\S+):(\\d+) conn=(\\d+) authority=(\\S*) pp=(\\d)");
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @TempDir
    static Path dir;
    static Process haproxy;
    static Path haproxyLog;
    static NodeProcess node;
    static Path caFile;
    static int accepting;

    /** What the backend saw for one request; {@code clientPort}: curl's own port (0: not known). */
    record Seen(String src, int srcPort, String dst, int dstPort, int backendConnection, String authority,
            boolean proxied, int clientPort) {

        Seen withClientPort(int port) {
            return new Seen(src, srcPort, dst, dstPort, backendConnection, authority, proxied, port);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        Tools.require("haproxy");
        Tools.require("curl");
        DemoPki pki = DemoPki.create("BackendProxyProtocolIT CA");
        DemoPki.Issued cert = pki.issueEc(V2, V1, PLAIN, API);
        Path certs = Files.createDirectories(dir.resolve("certs"));
        Files.write(certs.resolve("pp.pem"), Pem.certificates(cert.chain()));
        Files.write(certs.resolve("pp.pem"), Pem.privateKey(cert.key()), java.nio.file.StandardOpenOption.APPEND);
        caFile = Files.write(dir.resolve("ca.crt"), Pem.certificates(List.of(pki.caCertificate())));

        accepting = freePort();
        int plain = freePort();
        String answer = "src=%[src]:%[src_port] dst=%[dst]:%[dst_port] conn=%[fc_src_port]"
                + " authority=%[fc_pp_authority] pp=%[fc_rcvd_proxy]";
        haproxyLog = dir.resolve("haproxy.log");
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), String.join("\n",
                "global", "  nbthread 1",
                "defaults", "  mode http", "  timeout connect 5s", "  timeout client 60s", "  timeout server 60s",
                "  timeout http-keep-alive 60s",
                "  log stdout format raw local0",
                "  log-format \"path=%HP " + answer + "\"",
                "frontend accepting", "  bind 127.0.0.1:" + accepting + " accept-proxy",
                "  http-request return status 200 content-type text/plain lf-string \"" + answer + "\\n\"",
                "frontend plain", "  bind 127.0.0.1:" + plain,
                "  http-request return status 200 content-type text/plain lf-string \"" + answer + "\\n\"", ""));
        haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(haproxyLog.toFile()).start();
        for (int port : List.of(accepting, plain)) {
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
                try (Socket probe = new Socket("127.0.0.1", port)) {
                    return true;
                }
            });
        }
        node = new NodeProcess(dir.resolve("pp-node"), String.join("\n",
                // one I/O thread: the plain pool's reuse across client connections is then certain
                "listeners: {https: '127.0.0.1:0', http: off, ioThreads: 1,",
                "  proxyProtocol: {from: ['127.0.0.2/32'], http: false}}",
                "console: {listen: '127.0.0.1:0'}",
                "metrics: {listen: '127.0.0.1:0'}",
                "tls: {certificateDirs: ['" + certs + "']}",
                "pools:",
                "  - {name: pp2, servers: ['127.0.0.1:" + accepting + "'], proxyProtocol: v2,",
                "     healthCheck: {path: /health, interval: 500ms, timeout: 400ms, rise: 1, fall: 1}}",
                "  - {name: pp1, servers: ['127.0.0.1:" + accepting + "'], proxyProtocol: v1}",
                "  - {name: plain, servers: ['127.0.0.1:" + plain + "']}",
                "routes:",
                "  - {host: " + V2 + ", pool: pp2}",
                "  - {host: " + V1 + ", pool: pp1}",
                "  - {host: " + PLAIN + ", pool: plain}", "")).start().awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        try (NodeProcess n = node) {
            if (haproxy != null && !haproxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError("haproxy did not exit");
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** One curl process (one client connection) fetching {@code paths} of {@code host} in turn. */
    private static List<Seen> curl(String protocol, String host, String... paths) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", protocol, "--cacert", caFile.toString(),
                "--resolve", host + ":" + node.httpsPort + ":127.0.0.1", "-w", "local_port=%{local_port}\n"));
        for (String p : paths) {
            cmd.add("https://" + host + ":" + node.httpsPort + p);
        }
        Tools.Result r = Tools.run(cmd, null, 60);
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<Seen> seen = parse(r.stdout());
        assertThat(seen).as(r.stdout()).hasSize(paths.length);
        Matcher local = Pattern.compile("local_port=(\\d+)").matcher(r.stdout());
        Set<Integer> ports = new HashSet<>();
        while (local.find()) {
            ports.add(Integer.parseInt(local.group(1)));
        }
        assertThat(ports).as("curl reused one connection: " + r.stdout()).hasSize(1);
        return seen.stream().map(s -> s.withClientPort(ports.iterator().next())).toList();
    }

    private static List<Seen> parse(String text) {
        List<Seen> out = new ArrayList<>();
        Matcher m = ANSWER.matcher(text);
        while (m.find()) {
            out.add(new Seen(m.group(1), Integer.parseInt(m.group(2)), m.group(3), Integer.parseInt(m.group(4)),
                    Integer.parseInt(m.group(5)), m.group(6), "1".equals(m.group(7)), 0));
        }
        return out;
    }

    @Test
    void http1ClientAddressReachesTheBackendOnAConnectionOfItsOwn() throws Exception {
        List<Seen> first = curl("--http1.1", V2, "/h1-a", "/h1-b", "/h1-c");
        List<Seen> second = curl("--http1.1", V2, "/h1-d", "/h1-e");
        for (List<Seen> client : List.of(first, second)) {
            for (Seen s : client) {
                assertThat(s.proxied()).isTrue();
                assertThat(s.src()).isEqualTo("127.0.0.1");
                assertThat(s.srcPort()).as("the client's own port").isEqualTo(s.clientPort());
                assertThat(s.dst()).isEqualTo("127.0.0.1");
                assertThat(s.dstPort()).isEqualTo(node.httpsPort);
                assertThat(s.authority()).as("PP2_TYPE_AUTHORITY = SNI").isEqualTo(V2);
            }
            // keep-alive requests of one client connection reuse its backend connection
            assertThat(client.stream().map(Seen::backendConnection).distinct()).hasSize(1);
        }
        assertThat(second.get(0).backendConnection()).as("another client, another backend connection")
                .isNotEqualTo(first.get(0).backendConnection());

        // a client whose backend connection sits idle while another client asks: not lent to the other
        try (SSLSocket held = (SSLSocket) trustingTheCa().getSocketFactory().createSocket("127.0.0.1", node.httpsPort)) {
            javax.net.ssl.SSLParameters sni = held.getSSLParameters();
            sni.setServerNames(List.of(new javax.net.ssl.SNIHostName(V2)));
            held.setSSLParameters(sni);
            held.setSoTimeout(10_000);
            Seen before = keepAliveGet(held, "/held-1");
            Seen other = curl("--http1.1", V2, "/between").get(0);
            Seen after = keepAliveGet(held, "/held-2");
            assertThat(before.srcPort()).isEqualTo(held.getLocalPort());
            assertThat(other.srcPort()).as("the other client is named as itself").isEqualTo(other.clientPort());
            assertThat(other.backendConnection()).isNotEqualTo(before.backendConnection());
            assertThat(after.backendConnection()).as("the held client's connection waited for it")
                    .isEqualTo(before.backendConnection());
        }
    }

    /** One keep-alive GET on {@code s}; reads exactly the answer's head and body (HAProxy sends a length). */
    private static Seen keepAliveGet(SSLSocket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + V2 + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        java.io.InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("answer head so far: " + head).isNotNegative();
            head.append((char) b);
        }
        Matcher length = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
        assertThat(length.find()).as(head.toString()).isTrue();
        String body = new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.US_ASCII);
        List<Seen> seen = parse(body);
        assertThat(seen).as(head + body).hasSize(1);
        return seen.get(0);
    }

    @Test
    void http2StreamsOfOneClientShareItsBackendConnectionOnly() {
        List<Seen> first = curl("--http2", V2, "/h2-a", "/h2-b", "/h2-c");
        List<Seen> second = curl("--http2", V2, "/h2-d");
        for (Seen s : first) {
            assertThat(s.src()).isEqualTo("127.0.0.1");
            assertThat(s.srcPort()).isEqualTo(s.clientPort());
            assertThat(s.authority()).isEqualTo(V2);
        }
        assertThat(first.stream().map(Seen::backendConnection).distinct()).hasSize(1);
        assertThat(second.get(0).srcPort()).isEqualTo(second.get(0).clientPort());
        assertThat(second.get(0).backendConnection()).isNotEqualTo(first.get(0).backendConnection());
    }

    @Test
    void concurrentHttp2ClientsNeverShareABackendConnection() throws Exception {
        Tools.require("h2load");
        Tools.Result r = Tools.run(List.of("h2load", "-n", "400", "-c", "4", "-m", "8",
                "--connect-to=127.0.0.1:" + node.httpsPort, "https://" + V2 + ":" + node.httpsPort + "/h2load"),
                null, 120);
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).as(r.stdout()).contains("400 succeeded");
        // every request's line in the backend's log: which client (src port) on which backend connection
        Map<Integer, Set<Integer>> clientsOfConnection = new HashMap<>();
        List<Seen> logged = await().atMost(Duration.ofSeconds(10)).until(() -> parse(String.join("\n",
                Files.readAllLines(haproxyLog).stream().filter(l -> l.startsWith("path=/h2load ")).toList())),
                l -> l.size() >= 400);
        assertThat(logged).as("one backend request per h2load request").hasSize(400);
        for (Seen s : logged) {
            assertThat(s.proxied()).isTrue();
            clientsOfConnection.computeIfAbsent(s.backendConnection(), k -> new HashSet<>()).add(s.srcPort());
        }
        assertThat(clientsOfConnection.values()).as("each backend connection names one client")
                .allSatisfy(clients -> assertThat(clients).hasSize(1));
        assertThat(logged.stream().map(Seen::srcPort).distinct()).as("h2load's four connections").hasSize(4);
    }

    @Test
    void version1SendsTheTextHeader() {
        Seen s = curl("--http1.1", V1, "/v1").get(0);
        assertThat(s.proxied()).isTrue();
        assertThat(s.src()).isEqualTo("127.0.0.1");
        assertThat(s.srcPort()).isEqualTo(s.clientPort());
        assertThat(s.authority()).as("v1 carries no TLV").isEqualTo("");
    }

    @Test
    void aClientAddressFromTheBalancersHeaderIsPassedOn() throws Exception {
        SSLContext tls = trustingTheCa();
        Socket raw = new Socket();
        raw.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
        raw.connect(new InetSocketAddress("127.0.0.1", node.httpsPort), 5000);
        raw.setSoTimeout(10_000);
        byte[] src = InetAddress.getByName("192.0.2.44").getAddress();
        byte[] dst = InetAddress.getByName("203.0.113.9").getAddress();
        raw.getOutputStream().write(ByteBuffer.allocate(28).put(V2_SIGNATURE).put((byte) 0x21).put((byte) 0x11)
                .putShort((short) 12).put(src).put(dst).putShort((short) 40001).putShort((short) 443).array());
        String answer;
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, V2, node.httpsPort, true)) {
            s.startHandshake();
            s.getOutputStream().write(("GET /supplied HTTP/1.1\r\nHost: " + V2 + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Seen> seen = parse(answer);
        assertThat(seen).as(answer).hasSize(1);
        assertThat(seen.get(0)).extracting(Seen::src, Seen::srcPort, Seen::dst, Seen::dstPort)
                .containsExactly("192.0.2.44", 40001, "203.0.113.9", 443);
    }

    @Test
    void aPoolWithoutTheOptionStillSharesItsConnections() {
        Seen first = curl("--http1.1", PLAIN, "/plain-a").get(0);
        Seen second = curl("--http1.1", PLAIN, "/plain-b").get(0);
        assertThat(first.proxied()).isFalse();
        assertThat(first.srcPort()).as("the backend sees Gatehouse's own port").isNotEqualTo(first.clientPort())
                .isEqualTo(first.backendConnection());
        assertThat(second.backendConnection()).as("the second client reuses the pooled connection")
                .isEqualTo(first.backendConnection());
    }

    @Test
    void healthChecksSendALocalHeader() throws Exception {
        String admin = Files.readString(node.dataDir.resolve("admin.token")).trim();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode pools = node.console().call("GET", "/v1/status", admin, null).json().path("pools");
            JsonNode pp2 = null;
            for (JsonNode p : pools) {
                if ("pp2".equals(p.path("name").asText())) {
                    pp2 = p;
                }
            }
            assertThat(pp2).as(pools.toString()).isNotNull();
            assertThat(pp2.path("proxyProtocol").asText()).as("the mode is shown in the status").isEqualTo("v2");
            assertThat(pp2.path("servers").path(0).path("status").asText()).as(pp2.toString()).isEqualTo("up");
            assertThat(pp2.path("servers").path(0).path("lastCheck").isTextual()).as(pp2.toString()).isTrue();
        });
        List<Seen> checks = parse(String.join("\n",
                Files.readAllLines(haproxyLog).stream().filter(l -> l.startsWith("path=/health ")).toList()));
        assertThat(checks).isNotEmpty().allSatisfy(s -> {
            assertThat(s.proxied()).as("a PROXY header came first").isTrue();
            assertThat(s.srcPort()).as("LOCAL: the socket's own address").isEqualTo(s.backendConnection());
        });
    }

    @Test
    void aPoolPutThroughTheApiSendsTheHeaderToo() throws Exception {
        String admin = Files.readString(node.dataDir.resolve("admin.token")).trim();
        var refused = node.console().call("PUT", "/v1/pools/api-pp", admin,
                "{\"servers\": [\"127.0.0.1:" + accepting + "\"], \"proxyProtocol\": \"v3\"}");
        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.json().path("field").asText()).isEqualTo("proxyProtocol");
        assertThat(refused.json().path("detail").asText()).contains("proxyProtocol: 'v3' (expected: off, v1 or v2)");
        var put = node.console().call("PUT", "/v1/pools/api-pp", admin,
                "{\"servers\": [\"127.0.0.1:" + accepting + "\"], \"proxyProtocol\": \"v2\"}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().path("proxyProtocol").asText()).isEqualTo("v2");
        assertThat(node.console().call("PUT", "/v1/routes/" + API, admin, "{\"pool\": \"api-pp\"}").status())
                .isEqualTo(200);
        Seen s = await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> curl("--http1.1", API, "/api").get(0), seen -> seen.proxied());
        assertThat(s.srcPort()).isEqualTo(s.clientPort());
        assertThat(s.authority()).isEqualTo(API);
    }

    private static SSLContext trustingTheCa() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(caFile)) {
            trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return tls;
    }
}
