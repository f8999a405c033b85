package dev.gatehouse.tls.sni;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSslCredential;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ReferenceCountUtil;
import javax.net.ssl.SSLException;

/**
 * What one bundle needs at handshake time, built once (off the event loop) and cached by
 * {@link KeyMaterialCache}: with BoringSSL, the native chain and key as a credential for the shared
 * contexts; otherwise, a TLS context of the bundle's own.
 *
 * <p>Reference counted: the cache holds one reference, and each handshake that was handed the
 * material holds one until its engine exists (the engine then keeps what it needs by itself: a
 * credential or a context reference). Releasing the cache's reference on eviction or invalidation
 * therefore frees the native key at once when no handshake is starting with it, and never breaks
 * one that is.
 */
abstract sealed class KeyMaterial extends AbstractReferenceCounted {

    /** A new handler serving this bundle; the caller adds it to the pipeline or releases its engine. */
    final SslHandler newHandler(ByteBufAllocator alloc) throws SSLException {
        return newHandler(alloc, null);
    }

    /**
     * A new handler serving {@code served}'s bundle (the one this material was built for), with its
     * OCSP staple when fresh; the caller adds it to the pipeline or releases its engine.
     */
    abstract SslHandler newHandler(ByteBufAllocator alloc, Served served) throws SSLException;

    /** Retains unless already released; false means a replacement or removal freed it meanwhile. */
    final boolean tryRetain() {
        try {
            retain();
            return true;
        } catch (IllegalReferenceCountException released) {
            return false;
        }
    }

    @Override
    public final KeyMaterial touch(Object hint) {
        return this;
    }

    static KeyMaterial credential(SharedServerContexts contexts, byte[] sessionIdContext,
            OpenSslCredential credential) {
        return new Credential(contexts, sessionIdContext, credential);
    }

    static KeyMaterial context(SslContext context) {
        return new OwnContext(context);
    }

    /** A BoringSSL credential, attached to an engine of this thread's shared context. */
    static final class Credential extends KeyMaterial {
        private final SharedServerContexts contexts;
        private final byte[] sessionIdContext;
        private final OpenSslCredential credential;

        private Credential(SharedServerContexts contexts, byte[] sessionIdContext, OpenSslCredential credential) {
            this.contexts = contexts;
            this.sessionIdContext = sessionIdContext;
            this.credential = credential;
        }

        /** The staple, if any, is inside the credential (built with it, see {@link Served}). */
        @Override
        SslHandler newHandler(ByteBufAllocator alloc, Served served) throws SSLException {
            return contexts.newHandler(alloc, sessionIdContext, credential);
        }

        @Override
        protected void deallocate() {
            credential.release();
        }
    }

    /** A context of the bundle's own (JDK provider, or OpenSSL without the credential API). */
    static final class OwnContext extends KeyMaterial {
        private final SslContext context;

        private OwnContext(SslContext context) {
            this.context = context;
        }

        SslContext context() {
            return context;
        }

        @Override
        SslHandler newHandler(ByteBufAllocator alloc, Served served) {
            SslHandler handler = context.newHandler(alloc);
            if (served != null) {
                OcspStapling.onEngine(handler.engine(), served.freshStaple(System.currentTimeMillis()),
                        served.bundle.id());
            }
            return handler;
        }

        @Override
        protected void deallocate() {
            ReferenceCountUtil.release(context);
        }
    }
}
