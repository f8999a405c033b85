package dev.gatehouse.tls.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.tls.cert.CertificateParseException.Reason;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PemBundleParserTest {

    private static final DemoPki PKI = DemoPki.create("Parser Test CA");
    private static final DemoPki OTHER_PKI = DemoPki.create("Unrelated CA");
    private static final DemoPki.Issued GOOD = PKI.issueEc("app.tenant-a.test", "*.tenant-a.test");
    private static final DemoPki.Issued OTHER = PKI.issueEc("other.test");
    private static final Instant NOW = Instant.now();
    private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();

    private static byte[] certs(DemoPki.Issued i) {
        return Pem.certificates(i.chain());
    }

    private static byte[] key(DemoPki.Issued i) {
        return Pem.privateKey(i.key());
    }

    /** PKCS#1 / SEC1 ("traditional") form, as `openssl genrsa` / `openssl ecparam -genkey` write it. */
    private static byte[] traditionalKey(java.security.PrivateKey k) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(k);
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        StringBuilder b = new StringBuilder();
        for (byte[] p : parts) {
            b.append(new String(p, StandardCharsets.US_ASCII));
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void parsesChainAndPkcs8KeyAndTakesNamesFromSans() throws Exception {
        CertificateBundle b = PemBundleParser.parse("tenant-a", certs(GOOD), key(GOOD), NOW);
        assertThat(b.id()).isEqualTo("tenant-a");
        assertThat(b.names()).containsExactly("app.tenant-a.test", "*.tenant-a.test");
        assertThat(b.keyType()).isEqualTo(KeyType.ec("P-256", 256));
        assertThat(b.chainDer()).hasSize(2);
        assertThat(b.fingerprint()).hasSize(64);
        assertThat(b.chain()[0].getSubjectX500Principal().getName()).isEqualTo("CN=app.tenant-a.test");
        assertThat(b.privateKey().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void acceptsSec1AndPkcs1Keys() throws Exception {
        assertThat(PemBundleParser.parse("sec1", certs(GOOD), traditionalKey(GOOD.key()), NOW).keyType().family())
                .isEqualTo(KeyType.Family.ECDSA);
        DemoPki.Issued rsa = PKI.issueRsa(2048, "rsa.test");
        CertificateBundle b = PemBundleParser.parse("pkcs1", certs(rsa), traditionalKey(rsa.key()), NOW);
        assertThat(b.keyType()).isEqualTo(KeyType.rsa(2048));
    }

    @Test
    void putsAChainGivenInWrongOrderInOrder() throws Exception {
        byte[] reversed = Pem.certificates(List.of(GOOD.chain().get(1), GOOD.chain().get(0)));
        CertificateBundle b = PemBundleParser.parse("reversed", reversed, key(GOOD), NOW);
        assertThat(b.chain()[0].getSubjectX500Principal().getName()).isEqualTo("CN=app.tenant-a.test");
        assertThat(b.chain()[1].getSubjectX500Principal().getName()).isEqualTo("CN=Parser Test CA");
    }

    @Test
    void parsesCombinedCertificateAndKeyFile() throws Exception {
        CertificateBundle b = PemBundleParser.parseCombined("combined", concat(certs(GOOD), key(GOOD)), NOW);
        assertThat(b.names()).contains("app.tenant-a.test");
    }

    static Stream<Arguments> badInputs() throws Exception {
        byte[] goodCerts = certs(GOOD);
        String text = new String(goodCerts, StandardCharsets.US_ASCII);
        byte[] truncated = text.substring(0, text.length() / 3).getBytes(StandardCharsets.US_ASCII);
        KeyPair k = DemoPki.ecKeys();
        DemoPki.Issued expired = PKI.issue(k, NOW.minus(Duration.ofDays(90)), NOW.minus(Duration.ofDays(1)), "old.test");
        DemoPki.Issued future = PKI.issue(k, NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(90)), "new.test");
        DemoPki.Issued foreign = OTHER_PKI.issueEc("foreign.test");

        StringWriter enc = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(enc)) {
            w.writeObject(new JcaPKCS8Generator(GOOD.key(), new JceOpenSSLPKCS8EncryptorBuilder(
                    JcaPKCS8Generator.AES_256_CBC).setProvider(BC).setPassword("secret".toCharArray()).build()));
        }
        StringWriter legacyEnc = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(legacyEnc)) {
            w.writeObject(GOOD.key(), new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(BC).build("secret".toCharArray()));
        }
        byte[] garbledBase64 = text.replaceFirst("\n[A-Za-z0-9+/]{10}", "\n!!!!!!!!!!").getBytes(StandardCharsets.US_ASCII);
        return Stream.of(
                Arguments.of("empty", new byte[0], key(GOOD), Reason.EMPTY),
                Arguments.of("blank", "  \n".getBytes(StandardCharsets.US_ASCII), key(GOOD), Reason.EMPTY),
                Arguments.of("garbage", "hello, this is not a certificate".getBytes(StandardCharsets.US_ASCII),
                        key(GOOD), Reason.NOT_PEM),
                Arguments.of("truncated", truncated, key(GOOD), Reason.TRUNCATED),
                Arguments.of("garbled base64", garbledBase64, key(GOOD), Reason.TRUNCATED),
                Arguments.of("key of another certificate", goodCerts, key(OTHER), Reason.KEY_MISMATCH),
                Arguments.of("expired", certs(expired), Pem.privateKey(k.getPrivate()), Reason.EXPIRED),
                Arguments.of("not yet valid", certs(future), Pem.privateKey(k.getPrivate()), Reason.NOT_YET_VALID),
                Arguments.of("encrypted PKCS#8 key", goodCerts, enc.toString().getBytes(StandardCharsets.US_ASCII),
                        Reason.ENCRYPTED_KEY),
                Arguments.of("encrypted traditional key", goodCerts,
                        legacyEnc.toString().getBytes(StandardCharsets.US_ASCII), Reason.ENCRYPTED_KEY),
                Arguments.of("no key", goodCerts, goodCerts, Reason.NO_PRIVATE_KEY),
                Arguments.of("no certificate", key(GOOD), key(GOOD), Reason.MULTIPLE_KEYS),
                Arguments.of("unrelated certificate in chain",
                        concat(goodCerts, Pem.certificates(List.of(foreign.leaf()))), key(GOOD), Reason.CHAIN_BROKEN));
    }

    @ParameterizedTest(name = "{0} -> {3}")
    @MethodSource("badInputs")
    void refusesBadInputWithTypedError(String label, byte[] chain, byte[] key, Reason reason) {
        assertThatThrownBy(() -> PemBundleParser.parse(label, chain, key, NOW))
                .isInstanceOfSatisfying(CertificateParseException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.label()).isEqualTo(label);
                    assertThat(e.getMessage()).startsWith(label + ": " + reason.summary());
                });
    }

    @Test
    void refusesCombinedFileWithoutCertificate() {
        assertThatThrownBy(() -> PemBundleParser.parseCombined("k", key(GOOD), NOW))
                .isInstanceOfSatisfying(CertificateParseException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NO_CERTIFICATE));
    }

    @Test
    void errorsNeverContainKeyMaterial() {
        byte[] k = key(OTHER);
        String keyText = new String(k, StandardCharsets.US_ASCII);
        String body = keyText.split("\n")[1];
        assertThatThrownBy(() -> PemBundleParser.parse("x", certs(GOOD), k, NOW))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(body));
    }
}
