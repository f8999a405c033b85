package dev.gatehouse.tls.cert;

import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A validated certificate chain and its private key, ready to be served.
 *
 * <p>The chain and the key are kept encoded rather than as JCA objects: a parsed
 * {@link X509Certificate} costs several kilobytes of heap, and the engine is meant to hold 100,000
 * bundles while only a bounded number of them has a live TLS context. The JCA objects are rebuilt
 * when a context is built ({@link #chain()}, {@link #privateKey()}). A bundle made from a stored
 * record holds the record's PEM string as its chain ({@link CertificateChain#ofPem}), not a copy.
 *
 * @param id          the bundle's identity in the registry (a file name, a store id)
 * @param names       DNS names from the leaf's subjectAltName, normalized (lower case, no trailing dot);
 *                    wildcards as {@code *.example.com}
 * @param keyType     the key's family and size
 * @param notBefore   start of the leaf's validity window
 * @param notAfter    end of the leaf's validity window
 * @param certificates the chain: leaf first, then each issuer in order
 * @param keyPkcs8    the private key, PKCS#8 DER
 * @param fingerprint SHA-256 of the leaf, lower-case hex
 * @param issuer      the leaf's issuer DN (RFC 2253)
 * @param serial      the leaf's serial number, hex
 */
public record CertificateBundle(
        String id,
        List<String> names,
        KeyType keyType,
        Instant notBefore,
        Instant notAfter,
        CertificateChain certificates,
        byte[] keyPkcs8,
        String fingerprint,
        String issuer,
        String serial) {

    public CertificateBundle {
        Objects.requireNonNull(id, "id");
        names = List.copyOf(names);
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(notAfter, "notAfter");
        Objects.requireNonNull(certificates, "certificates");
        Objects.requireNonNull(keyPkcs8, "keyPkcs8");
    }

    /** A bundle whose chain is the DER of each certificate, leaf first (what the parser produces). */
    public CertificateBundle(String id, List<String> names, KeyType keyType, Instant notBefore, Instant notAfter,
            List<byte[]> chainDer, byte[] keyPkcs8, String fingerprint, String issuer, String serial) {
        this(id, names, keyType, notBefore, notAfter, CertificateChain.ofDer(chainDer), keyPkcs8, fingerprint,
                issuer, serial);
    }

    /** The DER of each certificate of the chain, leaf first (decoded on each call when held as PEM). */
    public List<byte[]> chainDer() {
        return certificates.der();
    }

    /** The same bundle under another id (used when a store assigns ids). */
    public CertificateBundle withId(String newId) {
        return new CertificateBundle(newId, names, keyType, notBefore, notAfter, certificates, keyPkcs8,
                fingerprint, issuer, serial);
    }

    /** Decodes the chain into JCA certificates. */
    public X509Certificate[] chain() {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<byte[]> chainDer = certificates.der();
            X509Certificate[] out = new X509Certificate[chainDer.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(chainDer.get(i)));
            }
            return out;
        } catch (CertificateException e) {
            throw new IllegalStateException("bundle " + id + ": stored chain no longer decodes", e);
        }
    }

    /** Decodes the private key into a JCA key. */
    public PrivateKey privateKey() {
        try {
            String algorithm = keyType.family() == KeyType.Family.RSA ? "RSA" : "EC";
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(keyPkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("bundle " + id + ": stored key no longer decodes", e);
        }
    }

    @Override
    public String toString() {
        // never print key material
        return "CertificateBundle[id=" + id + ", names=" + names + ", keyType=" + keyType
                + ", notAfter=" + notAfter + ", sha256=" + fingerprint + "]";
    }
}
