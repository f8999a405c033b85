package dev.gatehouse.tls.cert;

import dev.gatehouse.tls.cert.CertificateParseException.Reason;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** The chain of an uploaded bundle put in order, leaf first, for {@link PemBundleParser}. */
final class ChainOrder {

    private ChainOrder() {
    }

    /** Orders the chain leaf → root by subject/issuer and signature; refuses certificates that do not link. */
    static List<X509Certificate> of(String label, List<X509Certificate> certs, int leafIndex)
            throws CertificateParseException {
        List<X509Certificate> remaining = new ArrayList<>(certs);
        X509Certificate current = remaining.remove(leafIndex);
        List<X509Certificate> ordered = new ArrayList<>(certs.size());
        ordered.add(current);
        while (!remaining.isEmpty()) {
            if (current.getSubjectX500Principal().equals(current.getIssuerX500Principal())) {
                break; // reached a self-signed root
            }
            X509Certificate issuer = null;
            for (X509Certificate candidate : remaining) {
                if (candidate.getSubjectX500Principal().equals(current.getIssuerX500Principal())
                        && signedBy(current, candidate)) {
                    issuer = candidate;
                    break;
                }
            }
            if (issuer == null) {
                break;
            }
            remaining.remove(issuer);
            ordered.add(issuer);
            current = issuer;
        }
        if (!remaining.isEmpty()) {
            throw new CertificateParseException(label, Reason.CHAIN_BROKEN,
                    "certificate " + remaining.get(0).getSubjectX500Principal().getName()
                            + " is not an issuer in the chain of "
                            + ordered.get(0).getSubjectX500Principal().getName());
        }
        return ordered;
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
