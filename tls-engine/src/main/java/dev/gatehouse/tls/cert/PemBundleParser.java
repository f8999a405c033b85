package dev.gatehouse.tls.cert;

import dev.gatehouse.tls.cert.CertificateParseException.Reason;
import dev.gatehouse.tls.sni.Hostnames;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Parses and validates a PEM certificate chain and private key into a {@link CertificateBundle}.
 *
 * <p>Accepts the chain in any order (it is put in order: leaf, then each issuer), a key in PKCS#1
 * ({@code RSA PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) or PKCS#8 ({@code PRIVATE KEY}) form,
 * RSA and ECDSA keys. Refuses encrypted keys, a key that does not match the leaf, certificates that
 * do not chain, a validity window that does not contain {@code now}, and a leaf without DNS
 * subjectAltNames. Every refusal is a {@link CertificateParseException} naming the bundle and why.
 *
 * <p>The key-match check ({@link KeyMatch}) compares the public key the key file carries (openssl always writes it)
 * with the leaf's, and otherwise proves possession by signing and verifying a challenge, so bulk
 * loads of trusted files stay cheap while no mismatched pair is ever accepted.
 */
public final class PemBundleParser {

    private static final JcaX509CertificateConverter CERT_CONVERTER = new JcaX509CertificateConverter();
    private static final JcaPEMKeyConverter KEY_CONVERTER = new JcaPEMKeyConverter();
    private static final int DNS_NAME = 2;

    private PemBundleParser() {
    }

    /** Parses one PEM text holding the chain and the key together (the HAProxy {@code .pem} form). */
    public static CertificateBundle parseCombined(String label, byte[] pem, Instant now)
            throws CertificateParseException {
        Parsed parsed = read(label, pem);
        return build(label, parsed.certs, parsed.keys, now);
    }

    /** Parses a PEM chain and a separate PEM key. */
    public static CertificateBundle parse(String label, byte[] chainPem, byte[] keyPem, Instant now)
            throws CertificateParseException {
        Parsed chain = read(label, chainPem);
        Parsed key = read(label, keyPem);
        if (!chain.keys.isEmpty()) {
            throw new CertificateParseException(label, Reason.MULTIPLE_KEYS,
                    "the certificate input also holds a private key");
        }
        if (!key.certs.isEmpty() && key.keys.isEmpty()) {
            throw new CertificateParseException(label, Reason.NO_PRIVATE_KEY,
                    "the key input holds a certificate, not a key");
        }
        return build(label, chain.certs, key.keys, now);
    }

    /**
     * Builds a bundle from already-decoded JCA objects (PKCS#12 uploads, generated demo certs),
     * applying the same checks as the PEM paths.
     */
    public static CertificateBundle fromJca(String label, List<X509Certificate> chain, PrivateKey key, Instant now)
            throws CertificateParseException {
        List<X509CertificateHolder> holders = new ArrayList<>();
        try {
            for (X509Certificate c : chain) {
                holders.add(new X509CertificateHolder(c.getEncoded()));
            }
        } catch (IOException | CertificateException e) {
            throw new CertificateParseException(label, Reason.TRUNCATED, e.getMessage(), e);
        }
        if (key == null) {
            throw new CertificateParseException(label, Reason.NO_PRIVATE_KEY, "");
        }
        return build(label, holders, List.of(PrivateKeyInfo.getInstance(key.getEncoded())), now);
    }

    private record Parsed(List<X509CertificateHolder> certs, List<PrivateKeyInfo> keys) {
    }

    private static Parsed read(String label, byte[] pem) throws CertificateParseException {
        String text = pem == null ? "" : new String(pem, StandardCharsets.US_ASCII);
        if (text.isBlank()) {
            throw new CertificateParseException(label, Reason.EMPTY, "");
        }
        if (!text.contains("-----BEGIN ")) {
            throw new CertificateParseException(label, Reason.NOT_PEM, "no -----BEGIN line found");
        }
        List<X509CertificateHolder> certs = new ArrayList<>();
        List<PrivateKeyInfo> keys = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder cert) {
                    certs.add(cert);
                } else if (o instanceof PEMKeyPair pair) {
                    keys.add(withPublicKey(pair));
                } else if (o instanceof PrivateKeyInfo info) {
                    keys.add(info);
                } else if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new CertificateParseException(label, Reason.ENCRYPTED_KEY,
                            "upload the key unencrypted; it is sealed at rest by the appliance");
                } else if (o instanceof ASN1ObjectIdentifier) {
                    continue; // "EC PARAMETERS" block written by `openssl ecparam -genkey`
                } else {
                    throw new CertificateParseException(label, Reason.NOT_PEM,
                            "unexpected PEM block " + o.getClass().getSimpleName());
                }
            }
        } catch (CertificateParseException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CertificateParseException(label, Reason.TRUNCATED, e.getMessage(), e);
        }
        if (certs.isEmpty() && keys.isEmpty()) {
            throw new CertificateParseException(label, Reason.NOT_PEM, "no certificate or key block");
        }
        return new Parsed(certs, keys);
    }

    /**
     * SEC1/PKCS#1 pairs become PKCS#8. For EC keys the curve moves into the algorithm identifier
     * (where the JDK expects it) and the public key the file carried is kept for the match check.
     */
    private static PrivateKeyInfo withPublicKey(PEMKeyPair pair) throws IOException {
        PrivateKeyInfo info = pair.getPrivateKeyInfo();
        if (!info.getPrivateKeyAlgorithm().getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            return info;
        }
        ECPrivateKey ec = ECPrivateKey.getInstance(info.parsePrivateKey());
        ASN1Encodable params = info.getPrivateKeyAlgorithm().getParameters();
        if (params == null || params instanceof DERNull) {
            params = ec.getParametersObject(); // may still be null: completed from the certificate later
        }
        SubjectPublicKeyInfo pub = pair.getPublicKeyInfo();
        ECPrivateKey normalized = ec;
        if (ec.getPublicKey() == null && pub != null) {
            normalized = new ECPrivateKey(256, ec.getKey(), new DERBitString(pub.getPublicKeyData().getBytes()), null);
        }
        AlgorithmIdentifier alg = params == null
                ? new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey)
                : new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, params);
        return new PrivateKeyInfo(alg, normalized);
    }

    private static CertificateBundle build(String label, List<X509CertificateHolder> certs,
            List<PrivateKeyInfo> keys, Instant now) throws CertificateParseException {
        if (certs.isEmpty()) {
            throw new CertificateParseException(label, Reason.NO_CERTIFICATE, "no CERTIFICATE block");
        }
        if (keys.isEmpty()) {
            throw new CertificateParseException(label, Reason.NO_PRIVATE_KEY, "no PRIVATE KEY block");
        }
        if (keys.size() > 1) {
            throw new CertificateParseException(label, Reason.MULTIPLE_KEYS, keys.size() + " key blocks");
        }
        PrivateKeyInfo keyInfo = completeEcParameters(keys.get(0), certs);
        PrivateKey key;
        try {
            key = KEY_CONVERTER.getPrivateKey(keyInfo);
        } catch (IOException | RuntimeException e) {
            throw new CertificateParseException(label, Reason.UNSUPPORTED_KEY, e.getMessage(), e);
        }

        List<X509Certificate> jca = new ArrayList<>(certs.size());
        try {
            for (X509CertificateHolder h : certs) {
                jca.add(CERT_CONVERTER.getCertificate(h));
            }
        } catch (CertificateException e) {
            throw new CertificateParseException(label, Reason.TRUNCATED, e.getMessage(), e);
        }

        int leafIndex = findLeaf(label, jca, keyInfo, key);
        X509Certificate leaf = jca.get(leafIndex);
        KeyType keyType = keyType(label, leaf.getPublicKey());
        List<X509Certificate> ordered = ChainOrder.of(label, jca, leafIndex);

        Instant notBefore = leaf.getNotBefore().toInstant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            throw new CertificateParseException(label, Reason.EXPIRED,
                    "notAfter " + notAfter + " is before now " + now);
        }
        if (now.isBefore(notBefore)) {
            throw new CertificateParseException(label, Reason.NOT_YET_VALID,
                    "notBefore " + notBefore + " is after now " + now);
        }
        for (int i = 1; i < ordered.size(); i++) {
            Instant caEnd = ordered.get(i).getNotAfter().toInstant();
            if (now.isAfter(caEnd)) {
                throw new CertificateParseException(label, Reason.EXPIRED,
                        "issuer " + ordered.get(i).getSubjectX500Principal().getName() + " expired at " + caEnd);
            }
        }

        List<String> names = dnsNames(label, leaf);
        try {
            List<byte[]> der = new ArrayList<>(ordered.size());
            for (X509Certificate c : ordered) {
                der.add(c.getEncoded());
            }
            String fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der.get(0)));
            // interned: bundles from one CA share one issuer string (~70 bytes each at 1,000,000 bundles)
            return new CertificateBundle(label, names, keyType, notBefore, notAfter, der, key.getEncoded(),
                    fingerprint, leaf.getIssuerX500Principal().getName().intern(),
                    leaf.getSerialNumber().toString(16));
        } catch (GeneralSecurityException e) {
            throw new CertificateParseException(label, Reason.TRUNCATED, e.getMessage(), e);
        }
    }

    /**
     * A SEC1 key may omit its curve (the optional {@code parameters} field); the JDK needs it, so it
     * is taken from the certificate whose public key the key file carries (or the first EC one).
     */
    private static PrivateKeyInfo completeEcParameters(PrivateKeyInfo info, List<X509CertificateHolder> certs) {
        AlgorithmIdentifier alg = info.getPrivateKeyAlgorithm();
        if (!alg.getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey)
                || (alg.getParameters() != null && !(alg.getParameters() instanceof DERNull))) {
            return info;
        }
        byte[] embedded = KeyMatch.embeddedEcPublicKey(info);
        SubjectPublicKeyInfo chosen = null;
        for (X509CertificateHolder c : certs) {
            SubjectPublicKeyInfo spki = c.getSubjectPublicKeyInfo();
            if (!spki.getAlgorithm().getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey)) {
                continue;
            }
            if (embedded != null && Arrays.equals(embedded, spki.getPublicKeyData().getBytes())) {
                chosen = spki;
                break;
            }
            if (chosen == null) {
                chosen = spki;
            }
        }
        if (chosen == null) {
            return info;
        }
        try {
            return new PrivateKeyInfo(chosen.getAlgorithm(), info.parsePrivateKey());
        } catch (IOException e) {
            return info;
        }
    }

    private static int findLeaf(String label, List<X509Certificate> certs, PrivateKeyInfo keyInfo, PrivateKey key)
            throws CertificateParseException {
        for (int i = 0; i < certs.size(); i++) {
            if (KeyMatch.matches(certs.get(i).getPublicKey(), keyInfo, key)) {
                return i;
            }
        }
        X509Certificate first = certs.get(0);
        throw new CertificateParseException(label, Reason.KEY_MISMATCH,
                "no certificate in the chain has the key's public key (first is "
                        + first.getSubjectX500Principal().getName() + ")");
    }

    private static KeyType keyType(String label, PublicKey pub) throws CertificateParseException {
        if (pub instanceof RSAPublicKey rsa) {
            return KeyType.rsa(rsa.getModulus().bitLength());
        }
        if (pub instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            String curve;
            try {
                Object params = SubjectPublicKeyInfo.getInstance(pub.getEncoded()).getAlgorithm().getParameters();
                String oid = params instanceof ASN1ObjectIdentifier id ? id.getId() : "explicit-parameters";
                curve = switch (oid) {
                    case "1.2.840.10045.3.1.7" -> "P-256";
                    case "1.3.132.0.34" -> "P-384";
                    case "1.3.132.0.35" -> "P-521";
                    default -> oid;
                };
            } catch (RuntimeException e) {
                curve = "unknown";
            }
            return KeyType.ec(curve, bits);
        }
        throw new CertificateParseException(label, Reason.UNSUPPORTED_KEY,
                "leaf key algorithm " + pub.getAlgorithm() + " (expected: RSA or EC)");
    }

    private static List<String> dnsNames(String label, X509Certificate leaf) throws CertificateParseException {
        Collection<List<?>> sans;
        try {
            sans = leaf.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new CertificateParseException(label, Reason.NO_DNS_NAMES, "subjectAltName unreadable", e);
        }
        Set<String> names = new LinkedHashSet<>();
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() >= 2 && Integer.valueOf(DNS_NAME).equals(san.get(0))) {
                    String raw = String.valueOf(san.get(1));
                    String name = Hostnames.normalizePattern(raw);
                    if (name == null) {
                        throw new CertificateParseException(label, Reason.INVALID_NAME,
                                "subjectAltName dNSName '" + raw + "'");
                    }
                    names.add(name);
                }
            }
        }
        if (names.isEmpty()) {
            throw new CertificateParseException(label, Reason.NO_DNS_NAMES,
                    "leaf " + leaf.getSubjectX500Principal().getName() + " has no subjectAltName dNSName");
        }
        return List.copyOf(names);
    }
}
