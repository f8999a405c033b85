package dev.gatehouse.tls.sni;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.SSL;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * What one connection's completed TLS handshake negotiated, kept on the channel
 * ({@link TenantSniHandler#TLS}) so that every request record of the connection (and of its HTTP/2
 * streams) carries it without asking the engine again.
 *
 * @param certificateId  the bundle served
 * @param tlsVersion     e.g. {@code TLSv1.3}
 * @param cipher         the negotiated cipher suite
 * @param group          the key-exchange group (BoringSSL tells, e.g. {@code X25519}); null with the JDK provider
 * @param resumed        whether the session was resumed (ticket or id)
 * @param handshakeNanos from the first ClientHello byte to the handshake's completion
 */
public record ConnectionTls(String certificateId, String tlsVersion, String cipher, String group, boolean resumed,
        long handshakeNanos) {

    /** {@code SSL.getGroupName} is missing from older tcnative builds: asked once, then not again. */
    private static volatile boolean groupNameAvailable = true;

    /** The TLS facts of {@code ch} (an HTTP/2 stream reads its parent's), or null before the handshake. */
    public static ConnectionTls of(Channel ch) {
        Channel c = ch.parent() != null && ch.attr(TenantSniHandler.TLS).get() == null ? ch.parent() : ch;
        return c.attr(TenantSniHandler.TLS).get();
    }

    /**
     * Reads the session of a finished handshake. BoringSSL answers resumption and group from the native
     * SSL object (two cheap calls); the JDK provider keeps a resumed session's creation time, which is
     * then older than the handshake.
     */
    static ConnectionTls read(SSLEngine engine, String certificateId, long startNanos, long startEpochMillis) {
        SSLSession session = engine.getSession();
        boolean resumed;
        String group = null;
        if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
            long ssl = openSsl.sslPointer();
            resumed = ssl != 0 && SSL.isSessionReused(ssl);
            if (ssl != 0 && groupNameAvailable) {
                try {
                    group = SSL.getGroupName(ssl);
                } catch (Exception | LinkageError e) {
                    groupNameAvailable = false;
                }
            }
        } else {
            resumed = session.getCreationTime() < startEpochMillis;
        }
        return new ConnectionTls(certificateId, session.getProtocol(), session.getCipherSuite(), group, resumed,
                System.nanoTime() - startNanos);
    }
}
