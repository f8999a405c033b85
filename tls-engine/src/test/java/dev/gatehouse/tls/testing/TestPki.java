package dev.gatehouse.tls.testing;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.CertificateParseException;
import dev.gatehouse.tls.cert.PemBundleParser;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import java.time.Instant;

/** One test CA, shared by a test class, that issues bundles ready for the registry. */
public final class TestPki {

    private final DemoPki pki = DemoPki.create("Gatehouse Test CA");

    public DemoPki pki() {
        return pki;
    }

    public CertificateBundle ec(String id, String... names) {
        return bundle(id, pki.issueEc(names));
    }

    public CertificateBundle rsa(String id, String... names) {
        return bundle(id, pki.issueRsa(2048, names));
    }

    public static CertificateBundle bundle(String id, DemoPki.Issued issued) {
        try {
            return PemBundleParser.parse(id, Pem.certificates(issued.chain()), Pem.privateKey(issued.key()),
                    Instant.now());
        } catch (CertificateParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CA certificate as PEM (for openssl -CAfile and curl --cacert). */
    public byte[] caPem() {
        return Pem.certificates(java.util.List.of(pki.caCertificate()));
    }
}
