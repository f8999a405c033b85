package dev.gatehouse.appliance.ocsp;

import dev.gatehouse.cluster.store.CertificateRecord;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/** The leaf and its issuer from a stored certificate's chain (leaf first, as validated on upload). */
record Chains(X509Certificate leaf, X509Certificate issuer) {

    /** The stored chain's first two certificates; {@code issuer} is null when only the leaf was uploaded. */
    static Chains of(CertificateRecord r) {
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            List<X509Certificate> certs = f.generateCertificates(new ByteArrayInputStream(
                    r.chainPem().getBytes(StandardCharsets.US_ASCII))).stream().map(X509Certificate.class::cast).toList();
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("certificate " + r.id() + ": stored chain is empty");
            }
            return new Chains(certs.get(0), certs.size() > 1 ? certs.get(1) : null);
        } catch (CertificateException e) {
            throw new IllegalArgumentException("certificate " + r.id() + ": stored chain does not parse: "
                    + e.getMessage(), e);
        }
    }
}
