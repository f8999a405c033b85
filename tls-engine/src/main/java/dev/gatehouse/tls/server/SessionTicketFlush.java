package dev.gatehouse.tls.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the TLS 1.3 NewSessionTicket messages as soon as the handshake completes.
 *
 * <p>Why: BoringSSL queues a server's NewSessionTickets and writes them only with the server's next
 * {@code SSL_write} (a choice made so that servers which never write cannot deadlock on them). A
 * proxy writes nothing until the client's request has gone to a backend and come back, so after the
 * client's Finished the server sends nothing, and the kernel delays its ACK (the delayed-ACK timer,
 * 40 ms on Linux). A client that leaves Nagle's algorithm on (Python's {@code ssl}, many embedded
 * stacks) holds its small request back until that ACK arrives: every new connection's first request
 * stalled 40 ms. OpenSSL (HAProxy) sends the tickets at once, and they carry the ACK.
 *
 * <p>BoringSSL documents the cure: a zero-byte {@code SSL_write} flushes the queued tickets into the
 * network BIO, and a flush of the {@link SslHandler} puts them on the wire. The JDK provider already
 * sends its ticket during the handshake, so it needs nothing here.
 */
final class SessionTicketFlush {

    private static final Logger log = LoggerFactory.getLogger(SessionTicketFlush.class);

    /** tcnative refuses a null buffer even for zero bytes: a (never written, never freed) one-byte one. */
    private static final ByteBuf EMPTY = Unpooled.unreleasableBuffer(Unpooled.directBuffer(1, 1));

    private SessionTicketFlush() {
    }

    /**
     * Called on the connection's event loop when its handshake succeeded; {@code ctx} is a handler
     * after the {@link SslHandler}.
     */
    static void afterHandshake(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null || !(ssl.engine() instanceof ReferenceCountedOpenSslEngine engine)
                || !EMPTY.hasMemoryAddress()) {
            return;
        }
        try {
            synchronized (engine) { // the engine's own lock: its wrap/unwrap hold it around every SSL call
                long pointer = engine.sslPointer();
                if (pointer == 0 || engine.isOutboundDone()) {
                    return; // freed or closing: nothing to send
                }
                // <= 0 (nothing queued, or an error) is fine: the next real write reports any error
                SSL.writeToSSL(pointer, EMPTY.memoryAddress(), 0);
            }
        } catch (RuntimeException e) {
            // an optimisation only: the tickets go out with the first response as before
            log.debug("event=session_ticket_flush_failed cause={}", e.toString());
            return;
        }
        ctx.flush();
    }
}
