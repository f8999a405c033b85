package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.sni.SslContextFactory;
import dev.gatehouse.tls.testing.TestEdge;
import dev.gatehouse.tls.testing.Tools;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Session tickets on contexts shared by all tenants, with {@code openssl s_client -sess_out/-sess_in}
 * (real processes): a ticket resumes under the certificate that issued it, on any I/O thread and on
 * another engine with the same ticket keys, and never under another tenant's name (a full handshake,
 * with that tenant's certificate).
 */
class SessionIsolationIT {

    private static final String A = "app.tenant-a.test";
    private static final String B = "app.tenant-b.test";
    /** Tries per check: connections spread over both I/O threads (and their contexts). */
    private static final int TRIES = 4;

    /** Each test runs once over TLS 1.3 and once over TLS 1.2 (the s_client flag is its argument). */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    @interface EachTlsVersion {
    }

    private static TestEdge edge;
    private static TestEdge peer;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        Tools.require("openssl");
        List<byte[]> keys = List.of(rawTicketKey());
        edge = new TestEdge();
        peer = new TestEdge();
        for (TestEdge e : List.of(edge, peer)) {
            e.registry.ticketKeys(keys); // a cluster's shared keys
        }
        // both engines serve the same bundles, as the nodes of a cluster do
        var a = edge.pki.ec("tenant-a", A);
        var b = edge.pki.ec("tenant-b", B);
        for (TestEdge e : List.of(edge, peer)) {
            e.registry.put(a);
            e.registry.put(b);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
        if (peer != null) {
            peer.close();
        }
    }

    @EachTlsVersion
    void aTicketResumesUnderItsOwnCertificateOnAnyThreadAndPeer(String version) throws Exception {
        Path sess = newSession(edge, A, version);
        for (int i = 0; i < TRIES; i++) {
            assertThat(status(connect(edge, A, version, "-sess_in", sess.toString()))).isEqualTo("Reused");
        }
        assertThat(status(connect(peer, A, version, "-sess_in", sess.toString()))).isEqualTo("Reused");
    }

    @EachTlsVersion
    void aTicketFromOneTenantNeverResumesUnderAnothersName(String version) throws Exception {
        Path sess = newSession(edge, A, version);
        for (int i = 0; i < TRIES; i++) {
            Tools.Result r = connect(edge, B, version, "-sess_in", sess.toString());
            assertThat(status(r)).as(r.stdout()).isEqualTo("New");
            assertThat(r.stdout()).containsPattern("subject=\\s?CN\\s?=\\s?" + Pattern.quote(B));
        }
        Tools.Result onPeer = connect(peer, B, version, "-sess_in", sess.toString());
        assertThat(status(onPeer)).isEqualTo("New");
    }

    /** A full handshake with {@code sni}; its session (ticket) is written to a new file. Every bundle is issued by {@code edge}'s CA. */
    private static Path newSession(TestEdge e, String sni, String version) throws Exception {
        Path sess = Files.createTempFile(dir, "session", ".pem");
        Files.delete(sess);
        Tools.Result r = connect(e, sni, version, "-sess_out", sess.toString());
        assertThat(status(r)).isEqualTo("New");
        assertThat(sess).isNotEmptyFile();
        return sess;
    }

    private static Tools.Result connect(TestEdge e, String sni, String version, String... session) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + e.port(),
                "-servername", sni, version, "-CAfile", edge.caFile.toString(), "-verify_return_error", "-ign_eof"));
        cmd.addAll(List.of(session));
        byte[] request = ("GET / HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        Tools.Result r = Tools.run(cmd, request, 20);
        assertThat(r.stdout()).as(r.all()).contains("HTTP/1.1 200");
        return r;
    }

    /** "New" or "Reused", from s_client's "New, TLSv1.3, Cipher is ..." line. */
    private static String status(Tools.Result r) {
        Matcher m = Pattern.compile("^(New|Reused), TLSv1\\.[23]", Pattern.MULTILINE).matcher(r.stdout());
        assertThat(m.find()).as(r.stdout()).isTrue();
        return m.group(1);
    }

    private static byte[] rawTicketKey() {
        var k = SslContextFactory.randomTicketKey();
        byte[] raw = new byte[48];
        System.arraycopy(k.name(), 0, raw, 0, 16);
        System.arraycopy(k.hmacKey(), 0, raw, 16, 16);
        System.arraycopy(k.aesKey(), 0, raw, 32, 16);
        return raw;
    }
}
