package dev.gatehouse.appliance.certs;

import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.KeyType;
import java.util.Set;

/** Which keys an uploaded certificate may carry (RSA ≥ 2048 bits, ECDSA P-256/P-384 by default). */
public record UploadPolicy(int minRsaBits, Set<String> allowedCurves) {

    public static UploadPolicy defaults() {
        return new UploadPolicy(2048, Set.of("P-256", "P-384"));
    }

    void check(CertificateBundle bundle) throws ServiceException {
        KeyType k = bundle.keyType();
        if (k.family() == KeyType.Family.RSA && k.bits() < minRsaBits) {
            throw ServiceException.invalid("key-not-allowed", "privateKeyPem",
                    "RSA key of " + k.bits() + " bits (expected: at least " + minRsaBits + ")");
        }
        if (k.family() == KeyType.Family.ECDSA && !allowedCurves.contains(k.curve())) {
            throw ServiceException.invalid("key-not-allowed", "privateKeyPem",
                    "ECDSA curve " + k.curve() + " (expected: one of " + new java.util.TreeSet<>(allowedCurves) + ")");
        }
    }
}
