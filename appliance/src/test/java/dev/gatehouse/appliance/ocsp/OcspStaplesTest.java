package dev.gatehouse.appliance.ocsp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.OcspResponseRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.PemBundleParser;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.sni.SslContextFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a node staples from the store: only a response that verifies against the certificate's own
 * chain, for its current leaf, before its nextUpdate. A record written into the grid by anyone else
 * (a forged signature, a revoked status) is refused and reported, whatever the record says.
 */
class OcspStaplesTest {

    private static final OcspFixtures PKI = new OcspFixtures();
    private static final Sealer SEALER = Sealer.of(new byte[32]);

    @TempDir
    Path dir;
    private FileStore store;
    private CertificateRegistry registry;
    private OcspStaples staples;
    private CertificateRecord cert;
    private X509Leaf leaf;

    private record X509Leaf(java.security.cert.X509Certificate cert, CertificateBundle bundle) {
    }

    @BeforeEach
    void setUp() throws Exception {
        store = FileStore.open(dir, SEALER);
        registry = new CertificateRegistry(new SslContextFactory(true, false, 300), 16);
        OcspFixtures.Responder issued = PKI.issued("app.ocsp.test", "http://ocsp.example/");
        byte[] chainPem = Pem.certificates(List.of(issued.cert(), PKI.ca));
        CertificateBundle b = PemBundleParser.parse("crt_1", chainPem, Pem.privateKey(issued.key()), Instant.now());
        registry.put(b);
        leaf = new X509Leaf(issued.cert(), b);
        long rev = store.nextRevision();
        cert = new CertificateRecord("crt_1", "t", b.names(), rev, new String(chainPem, StandardCharsets.US_ASCII),
                SEALER.seal(new byte[] {1}, CertificateRecord.keyAad("crt_1", b.names(), rev)), "ECDSA-P-256",
                b.notBefore().toEpochMilli(), b.notAfter().toEpochMilli(), b.fingerprint(), b.issuer(), b.serial(),
                false, 0, 0);
        store.put(RecordKinds.CERTIFICATES, cert);
        staples = new OcspStaples(store, registry, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        staples.close();
        registry.close();
        store.close();
    }

    private void record(byte[] der, String fingerprint, Instant nextUpdate) throws Exception {
        store.put(RecordKinds.OCSP_RESPONSES, new OcspResponseRecord("crt_1", fingerprint, "http://ocsp.example/",
                Base64.getEncoder().encodeToString(der), Instant.now().minusSeconds(60).toEpochMilli(),
                nextUpdate.toEpochMilli(), System.currentTimeMillis(), 0, null, System.currentTimeMillis(),
                System.currentTimeMillis() + 60_000, store.nextRevision()));
        staples.apply("crt_1");
    }

    @Test
    void staplesAVerifiedResponseAndReportsItFresh() throws Exception {
        Instant next = Instant.now().plus(Duration.ofHours(12));
        record(PKI.response(leaf.cert(), CertificateStatus.GOOD, Instant.now().minusSeconds(60), next,
                PKI.caKeys.getPrivate()), cert.fingerprint(), next);
        assertThat(registry.stapleOf("crt_1")).isPresent();
        assertThat(staples.status(cert)).containsEntry("state", "fresh").containsEntry("lastError", null);
        assertThat(staples.status(cert).get("stapledUntil")).isNotNull();
        assertThat(staples.stapledCount()).isEqualTo(1);
    }

    @Test
    void refusesARecordWhoseResponseDoesNotVerifyAndReportsIt() throws Exception {
        Instant next = Instant.now().plus(Duration.ofHours(12));
        record(PKI.good(leaf.cert()), cert.fingerprint(), next);
        assertThat(registry.stapleOf("crt_1")).isPresent();
        // a grid member writes a response signed by a key the CA never certified
        record(PKI.response(leaf.cert(), CertificateStatus.GOOD, Instant.now().minusSeconds(60), next,
                DemoPki.ecKeys().getPrivate()), cert.fingerprint(), next);
        assertThat(registry.stapleOf("crt_1")).as("the good one is withdrawn too: the record replaced it").isEmpty();
        assertThat(staples.status(cert)).containsEntry("state", "failing");
        assertThat((String) staples.status(cert).get("lastError")).startsWith("refused on this node: bad-signature");
        assertThat(staples.rejections()).isEqualTo(1);
        record(PKI.response(leaf.cert(), OcspFixtures.revoked(), Instant.now().minusSeconds(60), next,
                PKI.caKeys.getPrivate()), cert.fingerprint(), next);
        assertThat(registry.stapleOf("crt_1")).isEmpty();
        assertThat((String) staples.status(cert).get("lastError")).startsWith("refused on this node: revoked");
    }

    @Test
    void staplesNothingForAnotherLeafOrPastNextUpdate() throws Exception {
        Instant next = Instant.now().plus(Duration.ofHours(12));
        record(PKI.good(leaf.cert()), "00".repeat(32), next);
        assertThat(registry.stapleOf("crt_1")).isEmpty();
        assertThat(staples.status(cert)).containsEntry("state", "pending");
        record(PKI.good(leaf.cert()), cert.fingerprint(), Instant.now().minusSeconds(1));
        assertThat(registry.stapleOf("crt_1")).isEmpty();
    }

    @Test
    void aCertificateWithoutResponderIsNone() throws Exception {
        OcspFixtures.Responder plain = PKI.issued("plain.ocsp.test", null);
        byte[] chainPem = Pem.certificates(List.of(plain.cert(), PKI.ca));
        CertificateRecord r = new CertificateRecord("crt_2", "t", List.of("plain.ocsp.test"), 1L,
                new String(chainPem, StandardCharsets.US_ASCII), cert.sealedKey(), "ECDSA-P-256", 0, 1, "ff", "i", "1",
                false, 0, 0);
        assertThat(staples.status(r)).containsEntry("state", "none").containsEntry("responder", null);
        assertThat(staples.status(cert)).containsEntry("state", "pending")
                .containsEntry("responder", "http://ocsp.example/");
    }
}
