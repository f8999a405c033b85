package dev.gatehouse.tls.sni;

import dev.gatehouse.tls.cert.CertificateBundle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A bundle as the registry serves it. Identity matters: a replaced bundle is a new {@code Served},
 * so key material built for the old one (keyed by this object in {@link KeyMaterialCache}) can never
 * be handed out for the new one. A new OCSP response also makes a new {@code Served} (same bundle):
 * with BoringSSL the response lives in the bundle's native credential, which is immutable once
 * handshakes share it, so it is rebuilt with the response (tens of microseconds, off the event loop).
 */
final class Served {

    final CertificateBundle bundle;
    /** What the bundle covers, computed once so requests on its connections only do hash lookups. */
    final CoveredNames covered;
    /** The OCSP response its handshakes staple while it is fresh, or null (see {@link OcspStaple}). */
    final OcspStaple staple;
    /** Set once the bundle is replaced or removed; written by the registry's writer only. */
    volatile boolean retired;
    /** Set by the first handshake that finds {@link #staple} stale, so that one unstapling is queued. */
    final AtomicBoolean stapleExpiryQueued = new AtomicBoolean();

    Served(CertificateBundle bundle) {
        this(bundle, null);
    }

    Served(CertificateBundle bundle, OcspStaple staple) {
        this.bundle = bundle;
        this.covered = CoveredNames.of(bundle.id(), bundle.names());
        this.staple = staple;
    }

    /** The staple's DER while it is fresh at {@code nowMillis}, else null. */
    byte[] freshStaple(long nowMillis) {
        OcspStaple s = staple;
        return s != null && s.freshAt(nowMillis) ? s.der() : null;
    }

    @Override
    public String toString() {
        return bundle.id();
    }
}
