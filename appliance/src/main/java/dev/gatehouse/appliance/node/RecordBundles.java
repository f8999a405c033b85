package dev.gatehouse.appliance.node;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.KeyType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Turns a stored, already-validated certificate record and its unsealed key into an engine bundle
 * without parsing the chain again: a node holding 100,000 certificates starts in seconds.
 *
 * <p>The issuers of a chain (every certificate after the leaf) are shared between bundles: tenants'
 * certificates come from a handful of CAs, so 100,000 bundles hold a few intermediates, not 100,000
 * copies of them. They are public certificates, and the table is bounded.
 */
final class RecordBundles {

    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
    private static final String END = "-----END CERTIFICATE-----";
    /** PEM body of an issuer certificate → its DER, shared by every bundle it issued (read-only). */
    private static final Cache<String, byte[]> ISSUERS = Caffeine.newBuilder().maximumSize(1_000).build();

    private RecordBundles() {
    }

    /** The bundle of {@code r}, indexed only under {@code servedNames} (a subset of its names). */
    static CertificateBundle toBundle(CertificateRecord r, List<String> servedNames, byte[] keyPkcs8) {
        List<byte[]> der = chainDer(r.chainPem());
        return new CertificateBundle(r.id(), servedNames, keyType(r.keyType()), Instant.ofEpochMilli(r.notBefore()),
                Instant.ofEpochMilli(r.notAfter()), der, keyPkcs8, r.fingerprint(), r.issuer(), r.serial());
    }

    /**
     * The DER certificates of a PEM chain, found with indexOf rather than a regular expression: a node
     * joining 100,000 certificates spent most of this step in the regex's character-class matching.
     */
    static List<byte[]> chainDer(String pem) {
        List<byte[]> der = new ArrayList<>(2);
        Base64.Decoder mime = Base64.getMimeDecoder();
        int from = 0;
        while (true) {
            int begin = pem.indexOf(BEGIN, from);
            if (begin < 0) {
                return der;
            }
            int body = begin + BEGIN.length();
            int end = pem.indexOf(END, body);
            if (end < 0) {
                return der;
            }
            if (end > body) {
                String base64 = pem.substring(body, end);
                der.add(der.isEmpty() ? mime.decode(base64) : ISSUERS.get(base64, mime::decode));
            }
            from = end + END.length();
        }
    }

    static KeyType keyType(String s) {
        if (s.startsWith("RSA-")) {
            return KeyType.rsa(Integer.parseInt(s.substring(4)));
        }
        if (s.startsWith("ECDSA-")) {
            String curve = s.substring(6);
            int bits = switch (curve) {
                case "P-384" -> 384;
                case "P-521" -> 521;
                default -> 256;
            };
            return KeyType.ec(curve, bits);
        }
        throw new IllegalArgumentException("keyType: '" + s + "' (expected: RSA-<bits> or ECDSA-<curve>)");
    }
}
