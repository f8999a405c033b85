package dev.gatehouse.tls.sni;

import io.netty.handler.ssl.OpenSslCredential;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.SSLCredential;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a certificate's OCSP response goes so that BoringSSL staples it. BoringSSL sends it only to a
 * client that asked (a {@code status_request} extension in its ClientHello), so a staple costs
 * nothing for the others.
 *
 * <p>Shared contexts with per-connection credentials: the response must be on the credential
 * ({@code SSL_CREDENTIAL_set1_ocsp_response}). Netty's {@code ReferenceCountedOpenSslEngine.setOcspResponse}
 * does not work there: it sets the response of the SSL's legacy credential
 * ({@code SSL_set_ocsp_response}), which is not the one served (checked by {@code OcspStaplingIT}).
 * Netty (4.2.18) exposes no setter on {@link OpenSslCredential}, and the native address it would
 * need sits behind a package-private interface, so it is read once through reflection; when that
 * fails (another Netty), stapling is off with one warning, and handshakes are unaffected. The
 * credential is set before any handshake shares it and never changed afterwards.
 *
 * <p>Per-bundle contexts (no credential API): the engine's setter works; contexts are built with
 * {@code enableOcsp(true)} for it. The JDK provider staples nothing.
 */
final class OcspStapling {

    private static final Logger log = LoggerFactory.getLogger(OcspStapling.class);
    /** {@code OpenSslCredentialPointer.credentialAddress()}, or null when this Netty has none. */
    private static final MethodHandle ADDRESS = address();

    private OcspStapling() {
    }

    private static MethodHandle address() {
        try {
            Class<?> pointer = Class.forName("io.netty.handler.ssl.OpenSslCredentialPointer");
            Method m = pointer.getMethod("credentialAddress");
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.warn("event=ocsp_stapling_unavailable reason=no credential address in this Netty cause={}",
                    e.toString());
            return null;
        }
    }

    /** Whether responses can be put on credentials (shared contexts). */
    static boolean credentialsSupported() {
        return ADDRESS != null;
    }

    /** Puts {@code der} on a credential that no handshake uses yet. */
    static void onCredential(OpenSslCredential credential, byte[] der, String bundleId) throws SSLException {
        if (der == null || ADDRESS == null) {
            return;
        }
        try {
            long address = (long) ADDRESS.invoke(credential);
            SSLCredential.setOcspResponse(address, der);
        } catch (Throwable e) {
            throw new SSLException("bundle " + bundleId + ": cannot set the OCSP response on its credential: " + e, e);
        }
    }

    /** Staples {@code der} (a fresh response, or null) to an engine of a per-bundle context. */
    static void onEngine(SSLEngine engine, byte[] der, String bundleId) {
        if (der == null || !(engine instanceof ReferenceCountedOpenSslEngine openssl)) {
            return;
        }
        try {
            openssl.setOcspResponse(der);
        } catch (IllegalStateException e) {
            log.debug("event=ocsp_staple_skipped bundle={} cause={}", bundleId, e.toString());
        }
    }
}
