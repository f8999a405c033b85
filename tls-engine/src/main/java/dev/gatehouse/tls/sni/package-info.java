/**
 * SNI → certificate, and the TLS state behind it.
 *
 * <p>How a handshake gets its certificate (BoringSSL): {@link dev.gatehouse.tls.sni.TenantSniHandler}
 * reads the ClientHello and asks the {@link dev.gatehouse.tls.sni.CertificateRegistry} for the bundle
 * (exact name, one-label wildcard, default; ECDSA when the client offers it) and that bundle's key
 * material: the chain and key as a native BoringSSL {@code SSL_CREDENTIAL} (about 2 KB of RSS, built
 * from the stored DER in about 35 µs of CPU for a P-256 bundle), cached by {@code KeyMaterialCache}
 * (Caffeine, bounded by {@code maxContexts}). The engine comes from a context shared by all tenants,
 * one per I/O thread ({@code SharedServerContexts}), and the credential is attached to it before the
 * handshake ({@code ReferenceCountedOpenSslEngine.addCredential}). With the JDK provider each bundle
 * keeps a context of its own, cached the same way.
 *
 * <p>What a build costs (P-256 leaf and CA, steady state, {@code KeyMaterialBuildCost} in the tests):
 * about 35 µs of CPU, of which BoringSSL's own parsing is about 29 µs (the key about 20, the chain
 * about 10) and the PEM wrapping and copies in Java and Netty the rest; handing a build to a builder
 * thread and back costs about 5 µs more. A miss therefore costs well under a tenth of a full
 * handshake, and what is left to save is mostly inside BoringSSL.
 *
 * <p>Decisions:
 * <ul>
 *   <li>Per-connection credentials rather than a key manager choosing an alias: Netty's key-manager
 *       path parses chain and key on every handshake unless {@code OpenSslCachingX509KeyManagerFactory}
 *       caches them, and that cache can be neither bounded by recency nor invalidated.</li>
 *   <li>One shared context per I/O thread rather than per process: session isolation needs each
 *       SSL to carry its bundle's session id context, netty-tcnative (2.0.84) sets it only per
 *       context, and BoringSSL copies it into an SSL when the SSL is created; a context with one
 *       writer can be re-pointed before each engine without a lock.</li>
 *   <li>Nothing expensive on an I/O thread: a miss is built on a small bounded pool, once per bundle
 *       however many handshakes wait for it, and the handshake resumes from the lookup's future.
 *       Bundles are also built ahead of handshakes while the cache has room (preloading), so right
 *       after start the first handshake of a name usually finds its material ready.</li>
 *   <li>OCSP staples live on the bundle's entry ({@code Served}) and, with BoringSSL, inside its
 *       credential: Netty's per-engine {@code setOcspResponse} sets the SSL's legacy credential,
 *       which is not the one served. A new response therefore replaces the entry (same bundle) and
 *       its credential is rebuilt off the event loop; handshakes read nothing extra. See
 *       {@code OcspStapling}.</li>
 *   <li>Replaced or removed bundles release their material at once (the cache's reference);
 *       handshakes that already hold it and established connections keep working.</li>
 * </ul>
 */
package dev.gatehouse.tls.sni;
