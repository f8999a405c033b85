package dev.gatehouse.appliance.testing;

import dev.gatehouse.tls.testing.Tools;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Let's Encrypt's test CA (Debian package {@code pebble}) as real processes on loopback: one
 * {@code pebble-challtestsrv} (the DNS server both Pebble and Gatehouse's domain checker ask,
 * with no default answers, so a name resolves only once the test adds its records) and any number
 * of {@code pebble} instances using it, each validating HTTP-01 on a given port. Pebble's own HTTPS
 * certificate is made here with openssl (the package ships none).
 */
public final class Pebble implements AutoCloseable {

    /** The shared DNS: challtestsrv, its management API and DNS port. */
    public static final class Dns implements AutoCloseable {
        private final Process process;
        public final int dnsPort;
        private final int managementPort;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        private Dns(Process process, int dnsPort, int managementPort) {
            this.process = process;
            this.dnsPort = dnsPort;
            this.managementPort = managementPort;
        }

        public static Dns start(Path dir) throws Exception {
            int dns = freePort();
            int mgmt = freePort();
            Process p = new ProcessBuilder("pebble-challtestsrv", "-defaultIPv4", "", "-defaultIPv6", "",
                    "-dns01", "127.0.0.1:" + dns, "-http01", "", "-https01", "", "-tlsalpn01", "",
                    "-management", "127.0.0.1:" + mgmt)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("challtestsrv.log").toFile()).start();
            Dns d = new Dns(p, dns, mgmt);
            d.awaitUp();
            return d;
        }

        private void awaitUp() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try {
                    post("/clear-txt", "{\"host\":\"probe.invalid.\"}");
                    return;
                } catch (java.io.IOException e) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new AssertionError("pebble-challtestsrv did not start", e);
                    }
                    Thread.sleep(100);
                }
            }
        }

        public String resolver() {
            return "127.0.0.1:" + dnsPort;
        }

        private void post(String path, String json) throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort
                    + path)).timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("challtestsrv " + path + " answered " + r.statusCode() + ": " + r.body());
            }
        }

        public void setTxt(String name, String value) throws Exception {
            post("/set-txt", "{\"host\":\"" + name + ".\",\"value\":\"" + value + "\"}");
        }

        public void addA(String name, String address) throws Exception {
            post("/add-a", "{\"host\":\"" + name + ".\",\"addresses\":[\"" + address + "\"]}");
        }

        @Override
        public void close() throws Exception {
            Processes.stop(process, Duration.ofSeconds(10));
        }
    }

    private final Process process;
    public final int port;
    private final int managementPort;
    public final Path tlsCertificate;
    private final List<String> log = new CopyOnWriteArrayList<>();

    private Pebble(Process process, int port, int managementPort, Path tlsCertificate) {
        this.process = process;
        this.port = port;
        this.managementPort = managementPort;
        this.tlsCertificate = tlsCertificate;
    }

    /** Skips loudly (fails in CI) unless pebble and openssl are installed. */
    /** What the ACME ITs shorten so that a run takes seconds: loop, lease, timeout and DNS retries. */
    public static final List<String> FAST_ACME = List.of("target: 127.0.0.1", "interval: 1s", "leaseTtl: 30s",
            "timeout: 20s", "dnsRetry: 1s", "dnsRetryMax: 1s");

    /**
     * A node's {@code acme:} block, enabled, ordering from {@code directory} (trusting {@code caFile}) and
     * resolving through {@code resolver}, then {@code settings} ({@code key: value} each) under it.
     */
    public static String acmeYaml(String directory, Path caFile, String resolver, List<String> settings) {
        List<String> lines = new ArrayList<>(List.of("acme:", "  enabled: true",
                "  directory: '" + directory + "'", "  caFile: '" + caFile + "'", "  resolvers: ['" + resolver + "']"));
        settings.forEach(l -> lines.add("  " + l));
        lines.add("");
        return String.join("\n", lines);
    }

    public static void require() {
        Tools.require("pebble");
        Tools.require("pebble-challtestsrv");
        Tools.require("openssl");
    }

    /**
     * What a test sets up before the node it points at Pebble: the DNS server (running), the port Pebble
     * will listen on and Pebble's TLS certificate (the node's {@code caFile}). Pebble itself is started
     * afterwards, once the node's HTTP-01 port is known.
     */
    public record Plan(Dns dns, int port, Path caFile) {

        /** The ACME directory URL Pebble will answer on. */
        public String directory() {
            return "https://127.0.0.1:" + port + "/dir";
        }
    }

    /** Skips loudly unless Pebble is installed; then starts the DNS server in {@code dir} and plans Pebble's port. */
    public static Plan plan(Path dir) throws Exception {
        require();
        Dns dns = Dns.start(dir);
        return new Plan(dns, freePort(), tlsCertificate(dir.resolve("pebble")));
    }

    public static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts Pebble on {@code port} (0 = any), validating HTTP-01 on {@code httpPort}, with extra
     * environment (e.g. {@code PEBBLE_WFE_NONCEREJECT}) and a certificate lifetime in seconds (0 = Pebble's).
     */
    public static Pebble start(Path dir, Dns dns, int port, int httpPort, int validitySeconds, Map<String, String> env)
            throws Exception {
        return start(dir, dns.resolver(), port, httpPort, validitySeconds, env);
    }

    /** As above, resolving (DNS-01 TXT records, HTTP-01 addresses) through {@code dnsServer} ({@code ip:port}). */
    public static Pebble start(Path dir, String dnsServer, int port, int httpPort, int validitySeconds,
            Map<String, String> env) throws Exception {
        Path cert = tlsCertificate(dir);
        Path key = dir.resolve("pebble-tls.key");
        int p = port == 0 ? freePort() : port;
        int mgmt = freePort();
        Path config = Files.writeString(dir.resolve("pebble.json"), "{\"pebble\":{"
                + "\"listenAddress\":\"127.0.0.1:" + p + "\",\"managementListenAddress\":\"127.0.0.1:" + mgmt + "\","
                + "\"certificate\":\"" + cert + "\",\"privateKey\":\"" + key + "\","
                + "\"httpPort\":" + httpPort + ",\"tlsPort\":" + freePort() + ",\"ocspResponderURL\":\"\","
                + "\"externalAccountBindingRequired\":false"
                + (validitySeconds > 0 ? ",\"certificateValidityPeriod\":" + validitySeconds : "") + "}}");
        List<String> cmd = new ArrayList<>(List.of("pebble", "-config", config.toString(), "-dnsserver",
                dnsServer));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PEBBLE_VA_NOSLEEP", "1");
        pb.environment().put("PEBBLE_WFE_NONCEREJECT", "0");
        pb.environment().put("PEBBLE_AUTHZREUSE", "0");
        pb.environment().putAll(env);
        Pebble pebble = new Pebble(pb.start(), p, mgmt, cert);
        OutputPump.start(pebble.process, pebble.log::add);
        pebble.awaitListening();
        return pebble;
    }

    private void awaitListening() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (log.stream().noneMatch(l -> l.contains("ACME directory available"))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("pebble did not start: " + String.join("\n", log));
            }
            Thread.sleep(50);
        }
    }

    /**
     * Pebble's HTTPS certificate in {@code dir} (made with openssl on first use): what Gatehouse's
     * {@code acme.caFile} trusts, known before Pebble starts.
     */
    public static Path tlsCertificate(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path cert = dir.resolve("pebble-tls.pem");
        Path key = dir.resolve("pebble-tls.key");
        if (Files.exists(cert)) {
            return cert;
        }
        Tools.Result made = Tools.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
                "-subj", "/CN=pebble", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"), null, 30);
        if (made.exitCode() != 0) {
            throw new AssertionError("openssl req: " + made.all());
        }
        return cert;
    }

    public String directory() {
        return "https://127.0.0.1:" + port + "/dir";
    }

    public List<String> log() {
        return List.copyOf(log);
    }

    /** Pebble's root CA (regenerated at every start), PEM, from its management interface. */
    public String root() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("pebble", CertificateFactory.getInstance("X.509").generateCertificate(
                Files.newInputStream(tlsCertificate)));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        HttpClient c = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + managementPort
                + "/roots/0")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("pebble /roots/0 answered " + r.statusCode());
        }
        return r.body();
    }

    @Override
    public void close() throws Exception {
        Processes.stop(process, Duration.ofSeconds(10));
    }
}
