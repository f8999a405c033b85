package dev.gatehouse.appliance.node;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.CertificateChain;
import dev.gatehouse.tls.cert.KeyType;
import java.time.Instant;
import java.util.List;

/**
 * Turns a stored, already-validated certificate record and its unsealed key into an engine bundle
 * without parsing the chain again: a node holding 100,000 certificates starts in seconds.
 *
 * <p>The bundle's chain is the record's own PEM string ({@link CertificateChain#ofPem}): the record
 * stays in the store's memory anyway, so the engine keeps no second copy of the chain (until
 * 2026-12-03 it kept the DER, ~500 bytes per certificate, with the issuers shared through a table).
 */
final class RecordBundles {

    private RecordBundles() {
    }

    /** The bundle of {@code r}, indexed only under {@code servedNames} (a subset of its names). */
    static CertificateBundle toBundle(CertificateRecord r, List<String> servedNames, byte[] keyPkcs8) {
        return new CertificateBundle(r.id(), servedNames, keyType(r.keyType()), Instant.ofEpochMilli(r.notBefore()),
                Instant.ofEpochMilli(r.notAfter()), CertificateChain.ofPem(r.chainPem()), keyPkcs8, r.fingerprint(),
                r.issuer(), r.serial());
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
