package dev.gatehouse.tls.sni;

import dev.gatehouse.tls.cert.CertificateBundle;
import io.netty.handler.ssl.SslContext;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A bundle as the registry serves it: the bundle plus its lazily built TLS context. Identity
 * matters: a replaced bundle is a new {@code Served}, so a context built for the old one can never
 * be handed out for the new one.
 */
final class Served {

    final CertificateBundle bundle;
    /** What the bundle covers, computed once so requests on its connections only do hash lookups. */
    final CoveredNames covered;
    /** The cached context, or null when not built or evicted. Owned by {@link ContextCache}. */
    final AtomicReference<SslContext> context = new AtomicReference<>();
    /** CLOCK reference bit: set on use, cleared by the evictor's first pass. */
    volatile boolean referenced;
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
