package dev.gatehouse.appliance.node;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.KeyType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a stored, already-validated certificate record and its unsealed key into an engine bundle
 * without parsing the chain again: a node holding 100,000 certificates starts in seconds.
 */
final class RecordBundles {

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+)-----END CERTIFICATE-----");

    private RecordBundles() {
    }

    /** The bundle of {@code r}, indexed only under {@code servedNames} (a subset of its names). */
    static CertificateBundle toBundle(CertificateRecord r, List<String> servedNames, byte[] keyPkcs8) {
        List<byte[]> der = new ArrayList<>();
        Matcher m = PEM.matcher(r.chainPem());
        while (m.find()) {
            der.add(Base64.getMimeDecoder().decode(m.group(1)));
        }
        return new CertificateBundle(r.id(), servedNames, keyType(r.keyType()), Instant.ofEpochMilli(r.notBefore()),
                Instant.ofEpochMilli(r.notAfter()), der, keyPkcs8, r.fingerprint(), r.issuer(), r.serial());
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
