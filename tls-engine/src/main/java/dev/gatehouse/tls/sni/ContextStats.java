package dev.gatehouse.tls.sni;

/**
 * The key-material cache's counters at one moment ({@link CertificateRegistry#contextStats()}), each a
 * total since start; the material is BoringSSL credentials, or with the JDK provider per-bundle contexts.
 *
 * @param builds        key material builds (one per bundle while it stays cached)
 * @param buildFailures builds that failed (a bundle the TLS stack rejects, or the build queue full)
 * @param evictions     key material dropped by the cache's bound ({@code maxContexts}); replaced and
 *                      removed bundles are not counted
 * @param hits          handshakes that found their bundle's key material already built
 * @param misses        handshakes that had to wait for their bundle's key material (built for them or
 *                      by another handshake)
 * @param buildNanos    time spent building key material
 */
public record ContextStats(long builds, long buildFailures, long evictions, long hits, long misses, long buildNanos) {
}
