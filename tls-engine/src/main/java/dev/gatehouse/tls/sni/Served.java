package dev.gatehouse.tls.sni;

import dev.gatehouse.tls.cert.CertificateBundle;

/**
 * A bundle as the registry serves it. Identity matters: a replaced bundle is a new {@code Served},
 * so key material built for the old one (keyed by this object in {@link KeyMaterialCache}) can never
 * be handed out for the new one.
 */
final class Served {

    final CertificateBundle bundle;
    /** What the bundle covers, computed once so requests on its connections only do hash lookups. */
    final CoveredNames covered;
    /** Set once the bundle is replaced or removed; written by the registry's writer only. */
    volatile boolean retired;

    Served(CertificateBundle bundle) {
        this.bundle = bundle;
        this.covered = CoveredNames.of(bundle.id(), bundle.names());
    }

    @Override
    public String toString() {
        return bundle.id();
    }
}
