package dev.gatehouse.tls.demo;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority for the demo and the tests: a CA and leaf certificates for any
 * names, ECDSA P-256 or RSA, with any validity window.
 */
public final class DemoPki {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair caKeys;
    private final X509Certificate caCert;

    private DemoPki(KeyPair caKeys, X509Certificate caCert) {
        this.caKeys = caKeys;
        this.caCert = caCert;
    }

    /** An issued leaf: chain (leaf, CA) and key. */
    public record Issued(List<X509Certificate> chain, PrivateKey key) {
        public X509Certificate leaf() {
            return chain.get(0);
        }
    }

    /** Creates a new ECDSA P-256 CA named {@code cn}. */
    public static DemoPki create(String cn) {
        try {
            KeyPair keys = ecKeys();
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=" + cn);
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))), name,
                    keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = sign(b, keys.getPrivate());
            return new DemoPki(keys, cert);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create demo CA", e);
        }
    }

    public X509Certificate caCertificate() {
        return caCert;
    }

    /** Issues an ECDSA P-256 leaf for these names, valid from an hour ago for 90 days. */
    public Issued issueEc(String... names) {
        return issue(ecKeys(), Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(90)),
                names);
    }

    /** Issues an RSA leaf of {@code bits} for these names, valid from an hour ago for 90 days. */
    public Issued issueRsa(int bits, String... names) {
        return issue(rsaKeys(bits), Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(90)),
                names);
    }

    /** Issues a leaf with the given keys and validity window (for expired / not-yet-valid cases). */
    public Issued issue(KeyPair keys, Instant notBefore, Instant notAfter, String... names) {
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(), Date.from(notBefore),
                    Date.from(notAfter), new X500Name("CN=" + names[0]), keys.getPublic());
            GeneralName[] sans = new GeneralName[names.length];
            for (int i = 0; i < names.length; i++) {
                sans[i] = new GeneralName(GeneralName.dNSName, names[i]);
            }
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            X509Certificate cert = sign(b, caKeys.getPrivate());
            return new Issued(List.of(cert, caCert), keys.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue demo certificate for " + names[0], e);
        }
    }

    public static KeyPair ecKeys() {
        return ecKeys("secp256r1");
    }

    public static KeyPair ecKeys(String curve) {
        return keys("EC", new ECGenParameterSpec(curve));
    }

    /** An RSA key pair of {@code bits} with the usual public exponent 65537 (the JDK's default). */
    public static KeyPair rsaKeys(int bits) {
        return keys("RSA", new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4));
    }

    private static KeyPair keys(String algorithm, AlgorithmParameterSpec spec) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            g.initialize(spec, RANDOM);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
        String alg = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        ContentSigner signer = new JcaContentSignerBuilder(alg).build(key);
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).abs().add(BigInteger.ONE);
    }
}
