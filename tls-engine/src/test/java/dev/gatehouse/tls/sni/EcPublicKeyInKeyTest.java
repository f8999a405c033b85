package dev.gatehouse.tls.sni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.testing.TestPki;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.Certificate;
import org.junit.jupiter.api.Test;

class EcPublicKeyInKeyTest {

    private static final TestPki PKI = new TestPki();

    @Test
    void addsTheLeafsPointToAnEcKeyAndKeepsTheScalar() throws Exception {
        CertificateBundle b = PKI.ec("a", "a.test");
        byte[] completed = EcPublicKeyInKey.complete(b.keyPkcs8(), b.chainDer().get(0));
        assertThat(completed).isNotEqualTo(b.keyPkcs8());
        var ec = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(PrivateKeyInfo.getInstance(completed).parsePrivateKey());
        byte[] leafPoint = Certificate.getInstance(b.chainDer().get(0)).getSubjectPublicKeyInfo().getPublicKeyData().getBytes();
        assertThat(ec.getPublicKey().getBytes()).isEqualTo(leafPoint);
        KeyFactory jdk = KeyFactory.getInstance("EC");
        ECPrivateKey before = (ECPrivateKey) jdk.generatePrivate(new PKCS8EncodedKeySpec(b.keyPkcs8()));
        ECPrivateKey after = (ECPrivateKey) jdk.generatePrivate(new PKCS8EncodedKeySpec(completed));
        assertThat(after.getS()).isEqualTo(before.getS());
        assertThat(EcPublicKeyInKey.complete(completed, b.chainDer().get(0))).as("already complete").isEqualTo(completed);
    }

    @Test
    void leavesRsaKeysAndUnreadableCertificatesAlone() {
        CertificateBundle rsa = PKI.rsa("r", "r.test");
        assertThat(EcPublicKeyInKey.complete(rsa.keyPkcs8(), rsa.chainDer().get(0))).isSameAs(rsa.keyPkcs8());
        CertificateBundle ec = PKI.ec("e", "e.test");
        assertThat(EcPublicKeyInKey.complete(ec.keyPkcs8(), new byte[] {0x30, 0x03, 0x02, 0x01})).isSameAs(ec.keyPkcs8());
        assertThat(EcPublicKeyInKey.complete(ec.keyPkcs8(), rsa.chainDer().get(0))).as("an RSA leaf").isSameAs(ec.keyPkcs8());
    }

    @Test
    void theCompletedKeyBuildsACredential() throws Exception {
        CertificateBundle b = PKI.ec("c", "c.test");
        SslContextFactory factory = new SslContextFactory(true, true, 300);
        org.junit.jupiter.api.Assumptions.assumeTrue(factory.sharesContexts(), "BoringSSL credentials unavailable");
        factory.credential(b).release();
    }
}
