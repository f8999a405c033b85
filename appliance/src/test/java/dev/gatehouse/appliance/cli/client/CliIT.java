package dev.gatehouse.appliance.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.Main;
import dev.gatehouse.appliance.testing.TestJvm;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.TestPki;
import dev.gatehouse.tls.testing.Tools;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The operator CLI ({@code gatehouse cert|tenant|token|status}) against a whole node in this JVM
 * on loopback: run in-process through picocli with captured stdout/stderr, and once as a process
 * of the packaged jar. Every output is kept and scanned for tokens and key material at the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CliIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestPki PKI = new TestPki();

    @TempDir
    static Path dir;
    static TestNode node;
    static Path adminTokenFile;
    static String adminToken;
    static Path appCert;
    static Path appKey;
    static Path expiredCert;
    static Path expiredKey;
    static String appFingerprint;
    static String appId;

    /** Everything the CLI printed, each with the one secret it may show (a token it just created). */
    record Printed(String text, String allowedSecret) {
    }

    static final List<Printed> PRINTED = Collections.synchronizedList(new ArrayList<>());
    static final List<String> SECRETS = Collections.synchronizedList(new ArrayList<>());

    /** Exit code and output of one CLI run. */
    record Run(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(Files.createDirectories(dir.resolve("node")));
        adminTokenFile = node.dataDir.resolve("admin.token");
        adminToken = node.adminToken();
        SECRETS.add(adminToken);
        DemoPki.Issued app = PKI.pki().issueEc("app.acme.test");
        appCert = pem("app.crt", Pem.certificates(app.chain()));
        appKey = key("app.key", app);
        appFingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(app.leaf().getEncoded()));
        DemoPki.Issued expired = PKI.pki().issue(DemoPki.ecKeys(), Instant.now().minus(Duration.ofDays(30)),
                Instant.now().minus(Duration.ofDays(1)), "old.acme.test");
        expiredCert = pem("expired.crt", Pem.certificates(expired.chain()));
        expiredKey = key("expired.key", expired);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    // ---- running the CLI --------------------------------------------------------------------------

    /** {@code gatehouse ARGS} with the admin token file, the console URL and its certificate. */
    static Run admin(String... args) {
        return raw(withConsole(args, "--token-file", adminTokenFile.toString()));
    }

    /** {@code gatehouse ARGS} with this token. */
    static Run as(String token, String... args) {
        return raw(withConsole(args, "--token", token));
    }

    static String[] withConsole(String[] args, String... token) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--console", node.consoleUrl(), "--cacert", node.node.consoleCertificate().toString()));
        all.addAll(List.of(token));
        return all.toArray(String[]::new);
    }

    /** {@code gatehouse ARGS}, nothing added. */
    static Run raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        Run run = new Run(exit, out.toString(), err.toString());
        boolean creates = args.length > 1 && args[0].equals("token") && args[1].equals("create");
        PRINTED.add(new Printed(run.all(), creates && exit == 0 ? createdToken(run) : null));
        return run;
    }

    private static String createdToken(Run run) {
        Matcher m = Pattern.compile("ghk_[0-9a-f]+_[A-Za-z0-9_-]+").matcher(run.out());
        return m.find() ? m.group() : null;
    }

    // ---- fixtures ---------------------------------------------------------------------------------

    static Path pem(String name, byte[] content) throws Exception {
        return Files.write(dir.resolve(name), content);
    }

    /** Writes the key and remembers its base64 lines as secrets that no output may contain. */
    static Path key(String name, DemoPki.Issued issued) throws Exception {
        String pem = new String(Pem.privateKey(issued.key()), StandardCharsets.US_ASCII);
        pem.lines().filter(l -> !l.startsWith("-----") && l.length() > 16).forEach(SECRETS::add);
        return pem(name, pem.getBytes(StandardCharsets.US_ASCII));
    }

    static String idIn(String text) {
        Matcher m = Pattern.compile("crt_[0-9a-f]+").matcher(text);
        assertThat(m.find()).as("a certificate id in: %s", text).isTrue();
        return m.group();
    }

    static List<String> rows(Run table) {
        return table.out().lines().skip(1).toList();
    }

    static int freePortThenClosed() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    // ---- tenants and certificates -----------------------------------------------------------------

    @Test
    @Order(1)
    void createsTenantsAndClaimsTheirDomains() {
        Run created = admin("tenant", "create", "acme", "--display-name", "Acme Corp");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).isEqualTo("created tenant acme (Acme Corp)\n");
        Run claimed = admin("tenant", "claim", "acme", "*.acme.test");
        assertThat(claimed.exit()).as(claimed.err()).isZero();
        assertThat(claimed.out()).isEqualTo("tenant acme claims: *.acme.test\n");
        assertThat(admin("tenant", "create", "rival").exit()).isZero();
        assertThat(admin("tenant", "claim", "rival", "shop.rival.test").exit()).isZero();

        Run list = admin("tenant", "ls");
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out().lines().findFirst()).hasValueSatisfying(h ->
                assertThat(h).matches("ID\\s+DISPLAY NAME\\s+DOMAINS\\s+CREATED"));
        assertThat(rows(list)).hasSize(2);
        assertThat(rows(list).get(0)).matches("acme\\s+Acme Corp\\s+\\*\\.acme\\.test\\s+\\S+Z");
        assertThat(rows(list).get(1)).matches("rival\\s+rival\\s+shop\\.rival\\.test\\s+\\S+Z");
    }

    @Test
    @Order(2)
    void claimingANameOfAnotherTenantIsRefusedWithTheProblem() {
        Run clash = admin("tenant", "claim", "acme", "shop.rival.test");
        assertThat(clash.exit()).isEqualTo(1);
        assertThat(clash.out()).isEmpty();
        assertThat(clash.err()).startsWith("gatehouse: 409 name-claimed (field name): ").contains("shop.rival.test");
    }

    @Test
    @Order(3)
    void uploadedCertificateIsListedAndShownWithItsFingerprintButNoKey() {
        Run up = admin("cert", "upload", "--tenant", "acme", "--cert", appCert.toString(), "--key", appKey.toString());
        assertThat(up.exit()).as(up.err()).isZero();
        assertThat(up.out()).startsWith("uploaded crt_").contains("tenant acme", "app.acme.test", appFingerprint);
        appId = idIn(up.out());

        Run list = admin("cert", "ls");
        assertThat(list.exit()).as(list.err()).isZero();
        String header = list.out().lines().findFirst().orElseThrow();
        assertThat(header).matches("ID {2,}TENANT {2,}NAMES {2,}KEY {2,}NOT AFTER");
        assertThat(rows(list)).singleElement().asString()
                .matches(Pattern.quote(appId) + " {2,}acme {2,}app\\.acme\\.test {2,}\\S+ {2,}\\d{4}-\\d\\d-\\d\\dT\\S+Z")
                .satisfies(row -> {
                    assertThat(row.indexOf("acme")).as("aligned").isEqualTo(header.indexOf("TENANT"));
                    assertThat(row.indexOf("app.acme.test")).as("aligned").isEqualTo(header.indexOf("NAMES"));
                });

        Run show = admin("cert", "show", appId);
        assertThat(show.exit()).as(show.err()).isZero();
        assertThat(show.out()).containsPattern("(?m)^Names\\s+app\\.acme\\.test$")
                .containsPattern("(?m)^SHA-256\\s+" + appFingerprint + "$")
                .containsPattern("(?m)^Tenant\\s+acme$")
                .doesNotContain("PRIVATE KEY", "BEGIN CERTIFICATE");
        assertThat(admin("cert", "show", appId, "--chain").out()).contains("-----BEGIN CERTIFICATE-----")
                .doesNotContain("PRIVATE KEY");
    }

    static Stream<Arguments> jsonCommands() {
        return Stream.of(
                Arguments.of(List.of("cert", "ls"), "items"),
                Arguments.of(List.of("cert", "show", "{app}"), "sha256"),
                Arguments.of(List.of("tenant", "ls"), "items"),
                Arguments.of(List.of("token", "ls"), "items"),
                Arguments.of(List.of("status"), "certificates"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jsonCommands")
    @Order(4)
    void jsonOutputIsTheApiDocument(List<String> command, String field) throws Exception {
        List<String> args = new ArrayList<>(command.stream().map(a -> a.replace("{app}", appId)).toList());
        args.add("--json");
        Run run = admin(args.toArray(String[]::new));
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.isObject()).isTrue();
        assertThat(json.has(field)).as(run.out()).isTrue();
    }

    @Test
    @Order(5)
    void listFollowsTheCursorAndFilters() throws Exception {
        for (String name : List.of("b.acme.test", "c.acme.test")) {
            DemoPki.Issued c = PKI.pki().issueEc(name);
            Run up = admin("cert", "upload", "--tenant", "acme", "--cert",
                    pem(name + ".crt", Pem.certificates(c.chain())).toString(), "--key", key(name + ".key", c).toString());
            assertThat(up.exit()).as(up.err()).isZero();
        }
        assertThat(rows(admin("cert", "ls", "--page-size", "1"))).hasSize(3);
        assertThat(JSON.readTree(admin("cert", "ls", "--page-size", "1", "--json").out()).get("items")).hasSize(3);
        assertThat(rows(admin("cert", "ls", "--page-size", "1", "--limit", "2"))).hasSize(2);
        assertThat(rows(admin("cert", "ls", "--name", "b.acme.test"))).singleElement().asString().contains("b.acme.test");
        assertThat(rows(admin("cert", "ls", "--tenant", "rival"))).isEmpty();
        assertThat(rows(admin("cert", "ls", "--expiring-before", "2000-01-01T00:00:00Z"))).isEmpty();
        assertThat(rows(admin("cert", "ls", "--expiring-before", "2999-01-01"))).hasSize(3);
    }

    @Test
    @Order(6)
    void expiredCertificateIsRefusedWithTheProblemDetailOnStderr() {
        Run up = admin("cert", "upload", "--tenant", "acme", "--cert", expiredCert.toString(), "--key",
                expiredKey.toString());
        assertThat(up.exit()).isEqualTo(1);
        assertThat(up.out()).isEmpty();
        assertThat(up.err()).startsWith("gatehouse: 422 certificate-expired (field certificatePem): certificate expired")
                .contains("notAfter");
    }

    @Test
    @Order(7)
    void replaceKeepsTheIdAndServesTheNewCertificate() throws Exception {
        DemoPki.Issued renewed = PKI.pki().issueRsa(2048, "app.acme.test");
        Run replaced = admin("cert", "replace", appId, "--cert", pem("renewed.crt", Pem.certificates(renewed.chain()))
                .toString(), "--key", key("renewed.key", renewed).toString());
        assertThat(replaced.exit()).as(replaced.err()).isZero();
        assertThat(replaced.out()).startsWith("replaced " + appId);
        String fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(renewed.leaf().getEncoded()));
        assertThat(admin("cert", "show", appId).out()).containsPattern("(?m)^SHA-256\\s+" + fingerprint + "$")
                .containsPattern("(?m)^Key\\s+RSA");
    }

    @Test
    @Order(8)
    void pkcs12UploadNeedsTheRightPasswordFile() throws Exception {
        DemoPki.Issued c = PKI.pki().issueEc("p12.acme.test");
        KeyStore p12 = KeyStore.getInstance("PKCS12");
        p12.load(null, null);
        p12.setKeyEntry("k", c.key(), "s3cret-pass".toCharArray(), c.chain().toArray(Certificate[]::new));
        Path file = dir.resolve("bundle.p12");
        try (var out = Files.newOutputStream(file)) {
            p12.store(out, "s3cret-pass".toCharArray());
        }
        SECRETS.add("s3cret-pass");
        Path right = Files.writeString(dir.resolve("right.pass"), "s3cret-pass\n");
        Path wrong = Files.writeString(dir.resolve("wrong.pass"), "nope\n");

        Run refused = admin("cert", "upload", "--tenant", "acme", "--pkcs12", file.toString(), "--password-file",
                wrong.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).startsWith("gatehouse: 422 pkcs12-password (field password): ");
        Run up = admin("cert", "upload", "--tenant", "acme", "--pkcs12", file.toString(), "--password-file",
                right.toString());
        assertThat(up.exit()).as(up.err()).isZero();
        assertThat(up.out()).contains("p12.acme.test");
    }

    @Test
    @Order(9)
    void removedCertificateIsGone() throws Exception {
        String id = idIn(admin("cert", "ls", "--name", "p12.acme.test").out());
        Run rm = admin("cert", "rm", id);
        assertThat(rm.exit()).as(rm.err()).isZero();
        assertThat(rm.err()).isEqualTo("removed certificate " + id + "\n");
        Run show = admin("cert", "show", id);
        assertThat(show.exit()).isEqualTo(1);
        assertThat(show.err()).isEqualTo("gatehouse: 404 not-found: certificate '" + id + "' does not exist\n");
    }

    // ---- events and webhooks ----------------------------------------------------------------------

    @Test
    @Order(9)
    void eventsListTheUploadsAndWebhooksAreAddedListedShownAndRemoved() {
        Run ev = admin("events", "--type", "certificate.uploaded", "--tenant", "acme");
        assertThat(ev.exit()).as(ev.err()).isZero();
        assertThat(ev.out().lines().findFirst().orElseThrow()).startsWith("CURSOR").contains("TYPE", "SUBJECT");
        assertThat(rows(ev)).anyMatch(r -> r.contains("certificate.uploaded") && r.contains(appId));
        assertThat(ev.err()).startsWith("next cursor: ");

        Run add = admin("webhook", "add", "http://127.0.0.1:9/hook", "--tenant", "acme", "--type",
                "certificate.uploaded,acme.issued", "--description", "cli test");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.out()).matches("whsec_[A-Za-z0-9_-]{43}\n");
        Matcher m = Pattern.compile("whk_[0-9a-f]{16}").matcher(add.err());
        assertThat(m.find()).as(add.err()).isTrue();
        String id = m.group();
        assertThat(add.err()).contains("tenant acme", "shown only now");

        Run ls = admin("webhook", "ls");
        assertThat(ls.exit()).as(ls.err()).isZero();
        assertThat(rows(ls)).anyMatch(r -> r.startsWith(id) && r.contains("acme")
                && r.contains("http://127.0.0.1:9/hook") && r.contains("certificate.uploaded"));
        Run show = admin("webhook", "show", id);
        assertThat(show.exit()).as(show.err()).isZero();
        assertThat(show.out()).contains("http://127.0.0.1:9/hook", "Delivered", "Next attempt");
        assertThat(show.out()).doesNotContain("whsec_");

        Run bad = admin("webhook", "add", "ftp://hooks.test/in");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).startsWith("gatehouse: 422 invalid-webhook-url (field url): ").contains("scheme 'ftp'");

        Run rm = admin("webhook", "rm", id);
        assertThat(rm.exit()).as(rm.err()).isZero();
        assertThat(rm.err()).isEqualTo("removed webhook " + id + "\n");
        assertThat(admin("webhook", "show", id).err()).startsWith("gatehouse: 404 not-found: ");
    }

    // ---- tokens -----------------------------------------------------------------------------------

    @Test
    @Order(10)
    void tenantTokenCannotSeeAnotherTenantsCertificate() {
        Run created = admin("token", "create", "--scope", "tenant:rival", "--description", "rival's CI");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).matches("ghk_[0-9a-f]+_[A-Za-z0-9_-]+\n");
        assertThat(created.err()).contains("scope tenant:rival", "shown only now");
        String rival = created.out().trim();
        SECRETS.add(rival);

        Run show = as(rival, "cert", "show", appId);
        assertThat(show.exit()).isEqualTo(1);
        assertThat(show.out()).isEmpty();
        assertThat(show.err()).startsWith("gatehouse: 403 forbidden: ").contains("belongs to another tenant");
        Run list = as(rival, "cert", "ls");
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(rows(list)).isEmpty();
        assertThat(as(rival, "cert", "ls", "--tenant", "acme").err()).startsWith("gatehouse: 403 forbidden: ");
    }

    @Test
    @Order(11)
    void revokedTokenIsRefusedWith401() throws Exception {
        Run created = admin("token", "create", "--scope", "tenant:acme", "--json");
        assertThat(created.exit()).as(created.err()).isZero();
        JsonNode json = JSON.readTree(created.out());
        String token = json.get("token").asText();
        String id = json.get("id").asText();
        SECRETS.add(token);
        assertThat(as(token, "status").exit()).isZero();

        Run revoked = admin("token", "revoke", id);
        assertThat(revoked.exit()).as(revoked.err()).isZero();
        assertThat(revoked.err()).isEqualTo("revoked token " + id + "\n");
        assertThat(admin("token", "ls").out()).containsPattern("(?m)^" + id + "\\s+tenant:acme\\s+revoked\\s");

        Run refused = as(token, "status");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("gatehouse: 401 unauthorized: token " + id + " was revoked\n");
    }

    @Test
    @Order(12)
    void revokeRefusesAWholeTokenWithoutSendingOrEchoingIt() {
        Run created = admin("token", "create", "--scope", "tenant:acme");
        String token = created.out().trim();
        SECRETS.add(token);
        Run run = admin("token", "revoke", token);
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).startsWith("gatehouse: ID: a whole token was given");
        assertThat(as(token, "status").exit()).as("still valid").isZero();
    }

    // ---- status, reachability, usage --------------------------------------------------------------

    @Test
    @Order(13)
    void statusPrintsTheNodesCertificateCount() {
        int served = node.node.edge().registry().size();
        int listed = rows(admin("cert", "ls")).size();
        assertThat(served).isEqualTo(listed).isEqualTo(3);
        Run status = admin("status");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).containsPattern("(?m)^Node\\s+test-node$")
                .containsPattern("(?m)^Ready\\s+yes$")
                .containsPattern("(?m)^Certificates\\s+" + served + "$")
                .containsPattern("(?m)^Stored certificates\\s+" + listed + "$")
                .containsPattern("(?m)^Console\\s+127\\.0\\.0\\.1:" + node.node.consolePort() + "$");
    }

    static Stream<Arguments> unreachableConsoles() throws Exception {
        int closed = freePortThenClosed();
        Path otherCa = pem("other-ca.crt", PKI.caPem());
        return Stream.of(
                Arguments.of("closed port", "https://127.0.0.1:" + closed, null, "cannot connect to https://127.0.0.1:"
                        + closed + ": connection refused"),
                Arguments.of("edge port (not the console)", "https://127.0.0.1:{edge}", null,
                        "TLS failure with https://127.0.0.1:{edge}: "),
                Arguments.of("console with another CA's certificate", "{console}", otherCa.toString(),
                        "TLS failure with {console}: "));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unreachableConsoles")
    @Order(14)
    void unreachableConsoleExitsThreeAndNamesTheUrl(String what, String url, String cacert, String expected) {
        String console = url.replace("{edge}", Integer.toString(node.httpsPort())).replace("{console}", node.consoleUrl());
        Run run = raw("status", "--console", console, "--cacert",
                cacert != null ? cacert : node.node.consoleCertificate().toString(), "--token-file", adminTokenFile.toString());
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("gatehouse: " + expected.replace("{edge}", Integer.toString(node.httpsPort()))
                .replace("{console}", node.consoleUrl()));
    }

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(List.of("cert", "upload", "--tenant", "acme"), "Missing required argument"),
                Arguments.of(List.of("cert", "upload", "--tenant", "acme", "--cert", "{dir}/absent.pem", "--key",
                        "{dir}/absent.key"), "gatehouse: --cert: {dir}/absent.pem: no such file"),
                Arguments.of(List.of("cert", "ls", "--expiring-before", "tomorrow"),
                        "gatehouse: --expiring-before: 'tomorrow' (expected: an RFC 3339 instant"),
                Arguments.of(List.of("cert", "ls", "--limit", "0"), "gatehouse: --limit: 0 (expected: at least 1)"),
                Arguments.of(List.of("tenant", "claim", "acme"), "Missing required parameter: 'NAME'"),
                Arguments.of(List.of("status", "--cacert", "{dir}/absent.crt"),
                        "gatehouse: --cacert: {dir}/absent.crt: no such file"),
                Arguments.of(List.of("status", "--token", "ghk_a_b"), "gatehouse: --token: given with --token-file"),
                Arguments.of(List.of("cert", "frobnicate"), "Unmatched argument"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("usageErrors")
    @Order(15)
    void usageErrorsExitTwoAndSayWhatIsWrong(List<String> command, String expected) {
        List<String> args = new ArrayList<>(command.stream().map(a -> a.replace("{dir}", dir.toString())).toList());
        args.addAll(List.of("--console", node.consoleUrl(), "--token-file", adminTokenFile.toString()));
        Run run = raw(args.toArray(String[]::new));
        assertThat(run.exit()).as(run.err()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains(expected.replace("{dir}", dir.toString()));
    }

    @Test
    @Order(16)
    void packagedJarExitsWithTheClientsCodes() {
        Path jar = Path.of("target", "gatehouse.jar");
        assertThat(jar).as("mvn package builds it before failsafe runs").exists();
        List<String> common = List.of("--cacert", node.node.consoleCertificate().toString(), "--token-file",
                adminTokenFile.toString());
        List<String> status = jarCommand(jar, "status", "--console", node.consoleUrl());
        status.addAll(common);
        Tools.Result ok = Tools.run(status, null, 60);
        assertThat(ok.exitCode()).as(ok.stderr()).isZero();
        assertThat(ok.stdout()).containsPattern("(?m)^Certificates\\s+3$");

        List<String> closed = jarCommand(jar, "status", "--console", "https://127.0.0.1:1");
        closed.addAll(common);
        Tools.Result refused = Tools.run(closed, null, 60);
        assertThat(refused.exitCode()).isEqualTo(3);
        assertThat(refused.stderr()).startsWith("gatehouse: cannot connect to https://127.0.0.1:1: ");
        PRINTED.add(new Printed(ok.all() + refused.all(), null));
    }

    /** {@code java [TestJvm options] -jar jar args...}, as a list the caller may add to. */
    private static List<String> jarCommand(Path jar, String... args) {
        List<String> cmd = TestJvm.launcher();
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    @Order(17)
    void neverPrintsTokensOrKeyMaterialExceptTheTokenJustCreated() {
        assertThat(PRINTED).hasSizeGreaterThan(40);
        assertThat(SECRETS).hasSizeGreaterThan(10);
        for (Printed p : List.copyOf(PRINTED)) {
            assertThat(p.text()).doesNotContain("PRIVATE KEY");
            for (String secret : List.copyOf(SECRETS)) {
                if (!secret.equals(p.allowedSecret())) {
                    assertThat(p.text()).as("output leaks a secret").doesNotContain(secret);
                }
            }
        }
    }
}
