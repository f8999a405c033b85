package dev.gatehouse.appliance.ocsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.appliance.ocsp.OcspException.Reason;
import dev.gatehouse.tls.demo.DemoPki;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.junit.jupiter.api.Test;

class OcspVerifierTest {

    private static final OcspFixtures PKI = new OcspFixtures();
    private final X509Certificate leaf = PKI.leaf("app.ocsp.test", "http://127.0.0.1:1/");
    private final Instant now = Instant.now();

    private OcspVerifier.Verified verify(byte[] der) throws OcspException {
        return OcspVerifier.verify(der, leaf, PKI.ca, now.toEpochMilli());
    }

    private static Reason reasonOf(ThrowingRunnable r) {
        try {
            r.run();
        } catch (OcspException e) {
            return e.reason();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("verified, expected a refusal");
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void acceptsAGoodResponseSignedByTheIssuer() throws Exception {
        Instant next = now.plus(Duration.ofHours(12));
        OcspVerifier.Verified v = verify(PKI.response(leaf, CertificateStatus.GOOD, now.minusSeconds(60), next,
                PKI.caKeys.getPrivate()));
        assertThat(v.signer()).isEqualTo("issuer");
        assertThat(v.nextUpdate()).isEqualTo(next.toEpochMilli() / 1000 * 1000);
    }

    @Test
    void acceptsAResponderTheIssuerDelegatedToWithOcspSigning() throws Exception {
        OcspFixtures.Responder r = PKI.responder(true);
        OcspVerifier.Verified v = verify(PKI.response(leaf, CertificateStatus.GOOD, now.minusSeconds(60),
                now.plus(Duration.ofHours(1)), r.key(), r.cert()));
        assertThat(v.signer()).startsWith("delegated responder");
    }

    @Test
    void refusesADelegatedResponderWithoutOcspSigning() {
        OcspFixtures.Responder r = PKI.responder(false);
        assertThat(reasonOf(() -> verify(PKI.response(leaf, CertificateStatus.GOOD, now.minusSeconds(60),
                now.plus(Duration.ofHours(1)), r.key(), r.cert())))).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void refusesAResponseSignedByAnyOtherKey() {
        assertThat(reasonOf(() -> verify(PKI.response(leaf, CertificateStatus.GOOD, now.minusSeconds(60),
                now.plus(Duration.ofHours(1)), DemoPki.ecKeys().getPrivate())))).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void refusesAResponseSignedByAnotherCa() {
        OcspFixtures other = new OcspFixtures();
        assertThat(reasonOf(() -> verify(other.response(leaf, CertificateStatus.GOOD, now.minusSeconds(60),
                now.plus(Duration.ofHours(1)), other.caKeys.getPrivate())))).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void refusesAResponseAboutAnotherSerial() {
        assertThat(reasonOf(() -> verify(PKI.response(leaf.getSerialNumber().add(BigInteger.ONE),
                CertificateStatus.GOOD, now.minusSeconds(60), now.plus(Duration.ofHours(1)),
                PKI.caKeys.getPrivate())))).isEqualTo(Reason.WRONG_CERTIFICATE);
    }

    @Test
    void refusesRevokedAndUnknownStatus() {
        assertThat(reasonOf(() -> verify(PKI.response(leaf, OcspFixtures.revoked(), now.minusSeconds(60),
                now.plus(Duration.ofHours(1)), PKI.caKeys.getPrivate())))).isEqualTo(Reason.REVOKED);
        assertThat(reasonOf(() -> verify(PKI.response(leaf, OcspFixtures.unknown(), now.minusSeconds(60),
                now.plus(Duration.ofHours(1)), PKI.caKeys.getPrivate())))).isEqualTo(Reason.UNKNOWN_STATUS);
    }

    @Test
    void refusesResponsesOutsideTheirTimeWindow() {
        assertThat(reasonOf(() -> verify(PKI.response(leaf, CertificateStatus.GOOD, now.minus(Duration.ofHours(2)),
                now.minus(Duration.ofHours(1)), PKI.caKeys.getPrivate())))).as("expired").isEqualTo(Reason.BAD_TIME);
        assertThat(reasonOf(() -> verify(PKI.response(leaf, CertificateStatus.GOOD, now.plus(Duration.ofHours(1)),
                now.plus(Duration.ofHours(2)), PKI.caKeys.getPrivate())))).as("future").isEqualTo(Reason.BAD_TIME);
        assertThat(reasonOf(() -> verify(PKI.response(leaf, CertificateStatus.GOOD, now.minusSeconds(60), null,
                PKI.caKeys.getPrivate())))).as("no nextUpdate").isEqualTo(Reason.BAD_TIME);
    }

    @Test
    void refusesErrorStatusesAndGarbage() throws Exception {
        byte[] tryLater = new OCSPRespBuilder().build(OCSPRespBuilder.TRY_LATER, null).getEncoded();
        assertThat(reasonOf(() -> verify(tryLater))).isEqualTo(Reason.ERROR_STATUS);
        assertThat(reasonOf(() -> verify(new byte[] {1, 2, 3}))).isEqualTo(Reason.MALFORMED);
        assertThatThrownBy(() -> verify(new byte[0])).isInstanceOf(OcspException.class);
    }

    @Test
    void readsTheResponderUrlFromTheAiaExtension() {
        assertThat(OcspResponderUrl.of(leaf)).hasValueSatisfying(u -> assertThat(u.toString())
                .isEqualTo("http://127.0.0.1:1/"));
        assertThat(OcspResponderUrl.of(PKI.leaf("plain.ocsp.test", null))).isEmpty();
        assertThat(OcspResponderUrl.of(PKI.leaf("ldap.ocsp.test", "ldap://ca.test/"))).isEmpty();
    }
}
