package dev.gatehouse.appliance.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.Main;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.Tools;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A whole node in this JVM with the access log on, real curl (HTTP/1.1 and HTTP/2) and openssl as
 * clients: every line checked field by field (a proxied request, a 421, a 502 and a refused handshake),
 * then logrotate's move + reopen (through the console endpoint and through {@code gatehouse log reopen})
 * with requests running across it: each request is in exactly one file, exactly once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AccessLogIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestNode node;
    static Path accessLog;
    static Path caFile;
    static String certificateId;
    static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        Tools.require("curl");
        Tools.require("openssl");
        accessLog = dir.resolve("logs/access.log");
        node = new TestNode(dir.resolve("node"), "edge-it",
                "accessLog: {enabled: true, path: '" + accessLog + "'}");
        DemoPki pki = DemoPki.create("AccessLogIT CA");
        caFile = dir.resolve("ca.crt");
        Files.write(caFile, Pem.certificates(List.of(pki.caCertificate())));
        Principal admin = new Principal("it", Principal.ADMIN);
        node.node.tenants().create(admin, "tenant-a", "Tenant A");
        node.node.domains().claim(admin, "tenant-a", "app.tenant-a.test", true);
        node.node.domains().claim(admin, "tenant-a", "down.tenant-a.test", true);
        DemoPki.Issued cert = pki.issueEc("app.tenant-a.test", "down.tenant-a.test");
        certificateId = node.node.certificates().upload(admin, new CertificateService.Upload("tenant-a",
                new String(Pem.certificates(cert.chain()), StandardCharsets.US_ASCII),
                new String(Pem.privateKey(cert.key()), StandardCharsets.US_ASCII), null, null)).id();
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String token = node.adminToken();
        assertThat(node.call("PUT", "/v1/pools/down", token,
                "{\"servers\": [\"127.0.0.1:" + closedPort + "\"]}").status()).isEqualTo(200);
        assertThat(node.call("PUT", "/v1/routes/down.tenant-a.test", token, "{\"pool\": \"down\"}").status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.node.edge().registry().size() > 0);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static List<String> curlArgs(String flag, String host, String hostHeader, String... paths) {
        int port = node.httpsPort();
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", flag, "--cacert", caFile.toString(),
                "--resolve", host + ":" + port + ":127.0.0.1", "-w", "\\n%{http_code}\\n"));
        if (hostHeader != null) {
            cmd.addAll(List.of("-H", "Host: " + hostHeader));
        }
        for (String p : paths) {
            cmd.add("https://" + host + ":" + port + p);
        }
        return cmd;
    }

    private static String curl(String flag, String host, String hostHeader, String path) {
        Tools.Result r = Tools.run(curlArgs(flag, host, hostHeader, path), null, 30);
        assertThat(r.exitCode()).as(r.all()).isZero();
        return r.stdout();
    }

    private static List<JsonNode> lines(Path... files) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (Path f : files) {
            if (Files.exists(f)) {
                String text = Files.readString(f);
                assertThat(text.isEmpty() || text.endsWith("\n")).as("%s ends with a whole line", f).isTrue();
                for (String l : text.lines().toList()) {
                    out.add(JSON.readTree(l));
                }
            }
        }
        return out;
    }

    private static JsonNode lineFor(String path) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> find(l -> path.equals(l.path("path").asText())),
                Optional::isPresent).get();
    }

    private static Optional<JsonNode> find(java.util.function.Predicate<JsonNode> p) throws IOException {
        return lines(accessLog).stream().filter(p).findFirst();
    }

    private static void assertCommon(JsonNode l) {
        assertThat(Instantish.parse(l.get("ts").asText())).isCloseTo(System.currentTimeMillis(),
                org.assertj.core.data.Offset.offset(60_000L));
        assertThat(l.get("ts").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(l.get("node").asText()).isEqualTo("edge-it");
        assertThat(l.get("client").asText()).isEqualTo("127.0.0.1");
        assertThat(l.get("clientPort").asInt()).isBetween(1, 65535);
        assertThat(l.get("handshakeMs").asDouble()).isPositive();
    }

    /** ISO-8601 to epoch millis. */
    private static final class Instantish {
        static long parse(String ts) {
            return java.time.Instant.parse(ts).toEpochMilli();
        }
    }

    @Test
    void logsProxiedRequestsOverHttp1AndHttp2FieldByField() throws Exception {
        for (String flag : List.of("--http1.1", "--http2")) {
            String path = "/hello" + flag.replace("-", "").replace(".", "");
            String out = curl(flag, "app.tenant-a.test", null, path + "?token=secret");
            assertThat(out).endsWith("200\n");
            JsonNode l = lineFor(path);
            assertCommon(l);
            assertThat(l.get("type").asText()).isEqualTo("request");
            assertThat(l.get("protocol").asText()).isEqualTo(flag.equals("--http2") ? "HTTP/2" : "HTTP/1.1");
            assertThat(l.get("sni").asText()).isEqualTo("app.tenant-a.test");
            assertThat(l.get("host").asText()).isEqualTo("app.tenant-a.test:" + node.httpsPort());
            assertThat(l.get("tenant").asText()).isEqualTo("tenant-a");
            assertThat(l.get("certificate").asText()).isEqualTo(certificateId);
            assertThat(l.get("pool").asText()).isEqualTo("app");
            assertThat(l.get("server").asText()).isEqualTo("127.0.0.1:" + node.backend.port());
            assertThat(l.get("method").asText()).isEqualTo("GET");
            assertThat(l.get("path").asText()).as("no query by default").isEqualTo(path);
            assertThat(l.get("status").asInt()).isEqualTo(200);
            assertThat(l.get("bytesIn").asLong()).isZero();
            assertThat(l.get("bytesOut").asLong()).isEqualTo(out.length() - "\n200\n".length());
            assertThat(l.get("connectMs").asDouble()).isGreaterThanOrEqualTo(0);
            assertThat(l.get("ttfbMs").asDouble()).isPositive();
            assertThat(l.get("totalMs").asDouble()).isGreaterThanOrEqualTo(l.get("ttfbMs").asDouble());
            JsonNode tls = l.get("tls");
            assertThat(tls.get("version").asText()).isEqualTo("TLSv1.3");
            assertThat(tls.get("cipher").asText()).startsWith("TLS_");
            if (io.netty.handler.ssl.OpenSsl.isAvailable()) {
                assertThat(tls.get("group").asText()).as("BoringSSL names the group").isNotBlank();
            }
            assertThat(tls.get("resumed").asBoolean()).isFalse();
            Matcher id = Pattern.compile("(?m)^x-request-id: ([0-9a-f]{32})$").matcher(out);
            assertThat(id.find()).as("the backend saw a request id: " + out).isTrue();
            assertThat(l.get("requestId").asText()).isEqualTo(id.group(1));
            assertThat(l.get("cause").isNull()).isTrue();
            assertThat(l.get("upstreamError").isNull()).isTrue();
        }
    }

    @Test
    void logsAMisdirectedRequestWithItsCause() throws Exception {
        for (String flag : List.of("--http1.1", "--http2")) {
            String path = "/misdirected" + flag.replace("-", "").replace(".", "");
            assertThat(curl(flag, "app.tenant-a.test", "other.example", path)).endsWith("421\n");
            JsonNode l = lineFor(path);
            assertCommon(l);
            assertThat(l.get("status").asInt()).isEqualTo(421);
            assertThat(l.get("cause").asText()).isEqualTo("misdirected");
            assertThat(l.get("host").asText()).isEqualTo("other.example");
            assertThat(l.get("sni").asText()).isEqualTo("app.tenant-a.test");
            assertThat(l.get("tenant").asText()).isEqualTo("tenant-a");
            assertThat(l.get("certificate").asText()).isEqualTo(certificateId);
            assertThat(l.get("pool").isNull()).isTrue();
            assertThat(l.get("server").isNull()).isTrue();
            assertThat(l.get("requestId").isNull()).as("nothing was forwarded").isTrue();
            assertThat(l.get("connectMs").asInt()).isEqualTo(-1);
            assertThat(l.get("ttfbMs").asInt()).isEqualTo(-1);
            assertThat(l.get("bytesOut").asLong()).isPositive();
            assertThat(l.get("tls").get("version").asText()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void logsABadGatewayWithTheUpstreamError() throws Exception {
        String out = curl("--http1.1", "down.tenant-a.test", null, "/down");
        assertThat(out).endsWith("502\n");
        JsonNode l = lineFor("/down");
        assertCommon(l);
        assertThat(l.get("status").asInt()).isEqualTo(502);
        assertThat(l.get("cause").asText()).isEqualTo("backend_connect");
        assertThat(l.get("pool").asText()).isEqualTo("down");
        assertThat(l.get("server").asText()).isEqualTo("127.0.0.1:" + closedPort);
        assertThat(l.get("upstreamError").asText()).containsIgnoringCase("refused");
        assertThat(l.get("requestId").asText()).matches("[0-9a-f]{32}");
        assertThat(l.get("connectMs").asInt()).isEqualTo(-1);
        assertThat(l.get("ttfbMs").asInt()).isEqualTo(-1);
        assertThat(l.get("tenant").asText()).isEqualTo("tenant-a");
    }

    @Test
    void logsARefusedHandshake() throws Exception {
        Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + node.httpsPort(), "-servername",
                "unknown.example"), new byte[0], 30);
        JsonNode l = await().atMost(Duration.ofSeconds(10)).until(() -> find(x -> x.path("type").asText()
                .equals("handshake") && "unknown.example".equals(x.path("sni").asText())), Optional::isPresent).get();
        assertThat(l.get("ts").asText()).endsWith("Z");
        assertThat(l.get("node").asText()).isEqualTo("edge-it");
        assertThat(l.get("client").asText()).isEqualTo("127.0.0.1");
        assertThat(l.get("clientPort").asInt()).isBetween(1, 65535);
        assertThat(l.get("cause").asText()).isEqualTo("unknown_sni");
        assertThat(l.get("certificate").isNull()).isTrue();
        assertThat(l.get("tenant").isNull()).isTrue();
        assertThat(l.get("tls").isNull()).isTrue();
        assertThat(l.get("handshakeMs").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(l.has("status")).isFalse();
    }

    /** curl asking for {@code count} paths {@code /rot/<phase>/<i>} on one keep-alive connection, in the background. */
    private static Process requests(String phase, int count) throws IOException {
        String[] paths = new String[count];
        for (int i = 0; i < count; i++) {
            paths[i] = "/rot/" + phase + "/" + i;
        }
        List<String> cmd = curlArgs("--http1.1", "app.tenant-a.test", null, paths);
        cmd.addAll(List.of("-o", "/dev/null"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private static long rotLines(String phase, Path... files) throws IOException {
        return lines(files).stream().filter(l -> l.path("path").asText().startsWith("/rot/" + phase + "/")).count();
    }

    @Test
    void loseAndDoubleNothingAcrossMoveAndReopenByEndpointAndCli() throws Exception {
        int n = 300;
        Path first = dir.resolve("logs/access.log.1");
        Path second = dir.resolve("logs/access.log.2");

        Process a = requests("a", n);
        await().atMost(Duration.ofSeconds(20)).until(() -> rotLines("a", accessLog) >= 50);
        Files.move(accessLog, first);
        TestNode.Reply reply = node.call("POST", "/v1/access-log/reopen", node.adminToken(), null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().get("destination").asText()).isEqualTo(accessLog.toString());
        assertThat(reply.json().get("droppedRecords").asLong()).isZero();
        assertThat(a.waitFor(60, TimeUnit.SECONDS)).isTrue();

        Process b = requests("b", n);
        await().atMost(Duration.ofSeconds(20)).until(() -> rotLines("b", accessLog) >= 50);
        Files.move(accessLog, second);
        Path tokenFile = node.dataDir.resolve("admin.token");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute("log", "reopen", "--console", node.consoleUrl(), "--cacert",
                        node.node.consoleCertificate().toString(), "--token-file", tokenFile.toString());
        assertThat(exit).as(out + " " + err).isZero();
        assertThat(out.toString()).contains("access log reopened: " + accessLog);
        assertThat(b.waitFor(60, TimeUnit.SECONDS)).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() -> rotLines("a", first, second, accessLog) == n
                && rotLines("b", first, second, accessLog) == n);
        Map<String, Integer> seen = new HashMap<>();
        for (JsonNode l : lines(first, second, accessLog)) {
            if (l.path("path").asText().startsWith("/rot/")) {
                assertThat(l.get("status").asInt()).isEqualTo(200);
                seen.merge(l.get("path").asText(), 1, Integer::sum);
            }
        }
        assertThat(seen).hasSize(2 * n);
        assertThat(seen.values()).allMatch(c -> c == 1);
        assertThat(rotLines("a", first)).as("phase a started before the first move").isPositive();
        assertThat(rotLines("b", second)).as("phase b started before the second move").isPositive();
        assertThat(node.node.accessLog().droppedRecords()).isZero();
        assertThat(node.node.accessLog().reopens()).isEqualTo(2);
    }
}
