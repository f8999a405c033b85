package dev.gatehouse.tls.sni;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSslCredential;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLException;

/**
 * The BoringSSL server contexts every tenant shares: one per thread that creates engines (in
 * practice, one per I/O thread), for the one TLS policy the engine has.
 *
 * <p>Why per thread and not one for the process: session isolation. A ticket issued under one
 * tenant's certificate must never resume under another's name, and BoringSSL enforces that with
 * the session id context, checked on resumption against the SSL's own. netty-tcnative can set it
 * only on a context ({@code SSL_CTX_set_session_id_context}), not on an SSL; BoringSSL copies the
 * context's value into each SSL when the SSL is created. So each engine is created right after
 * its context got the bundle's session id context, and for that sequence to be atomic without a
 * lock shared by all I/O threads, each context belongs to one thread (its only writer). Tickets
 * still work across threads and nodes: every context carries the same ticket keys.
 *
 * <p>Cost: one ~20 KB context per I/O thread instead of one per certificate; TLS 1.2 session-id
 * (stateful) resumption only hits on the thread that cached the session, ticket resumption anywhere.
 */
final class SharedServerContexts implements AutoCloseable {

    private record Owned(int generation, SslContext context) { }

    private final SslContextFactory factory;
    private final List<SslContext> all = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<Owned> mine = new FastThreadLocal<>();
    /** Bumped by {@link #close}, so that threads build a new context instead of using a released one. */
    private volatile int generation;

    SharedServerContexts(SslContextFactory factory) {
        this.factory = factory;
    }

    /**
     * A handler for a connection that is served {@code credential}: an engine from this thread's
     * context, with the bundle's session id context, and the credential attached before the handshake.
     *
     * @throws io.netty.util.IllegalReferenceCountException if the credential was released meanwhile
     */
    SslHandler newHandler(ByteBufAllocator alloc, byte[] sessionIdContext, OpenSslCredential credential)
            throws SSLException {
        SslContext ctx = context();
        ((OpenSslServerSessionContext) ctx.sessionContext()).setSessionIdContext(sessionIdContext);
        SslHandler handler = ctx.newHandler(alloc);
        boolean attached = false;
        try {
            ((ReferenceCountedOpenSslEngine) handler.engine()).addCredential(credential);
            attached = true;
        } finally {
            if (!attached) {
                ReferenceCountUtil.safeRelease(handler.engine());
            }
        }
        return handler;
    }

    /** Puts the factory's current ticket keys on every context. */
    void applyTicketKeys() {
        for (SslContext ctx : all) {
            factory.applyTicketKeys(ctx);
        }
    }

    /** Number of contexts built (one per thread that created engines). */
    int size() {
        return all.size();
    }

    /** Releases every context; engines still using one keep it alive. Threads build anew on next use. */
    @Override
    public void close() {
        generation++;
        for (SslContext ctx : all) {
            all.remove(ctx);
            ReferenceCountUtil.release(ctx);
        }
    }

    private SslContext context() throws SSLException {
        Owned owned = mine.get();
        int gen = generation;
        if (owned == null || owned.generation != gen) {
            SslContext ctx = factory.buildShared();
            all.add(ctx);
            factory.applyTicketKeys(ctx); // after add: a concurrent rotation reaches it either way
            owned = new Owned(gen, ctx);
            mine.set(owned);
        }
        return owned.context;
    }
}
