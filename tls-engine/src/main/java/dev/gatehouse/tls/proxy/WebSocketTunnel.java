package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.BackendHandler;
import dev.gatehouse.tls.backend.BackendListener;
import dev.gatehouse.tls.net.ClientAddress;
import dev.gatehouse.tls.sni.CoveredNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket connection after its upgrade (RFC 6455 §4): bytes relayed both ways between the
 * client and the backend that answered 101, nothing parsed. {@link ProxyHandler} puts it in its own
 * place ({@code pipeline.replace}) once the 101 is written and the HTTP handlers are gone; the
 * backend connection loses its HTTP codec and idle timeout (a WebSocket may be quiet for long).
 *
 * <p>Flow control as for HTTP: auto-read off on both sides, the next read only after the previous
 * chunk was written to the other side. The upgrade's exchange has one record, written when the
 * tunnel closes: status 101, the tunnel's bytes both ways, its whole duration. Only the connection's
 * event loop touches it.
 */
final class WebSocketTunnel extends ChannelInboundHandlerAdapter implements BackendListener {

    private static final Logger log = LoggerFactory.getLogger(WebSocketTunnel.class);

    private final ProxyServices services;
    private final ExchangeRecord rec;
    private final CoveredNames covered;
    private Channel backend;
    private ChannelHandlerContext ctx;
    /** A {@code read()} was asked for and no message has arrived since. */
    private boolean readPending;
    private boolean closed;

    /** @param backend the connection that answered 101 (null when it is already gone) */
    WebSocketTunnel(ProxyServices services, ExchangeRecord rec, CoveredNames covered, Channel backend) {
        this.services = services;
        this.rec = rec;
        this.covered = covered;
        this.backend = backend;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Starts relaying: the backend's HTTP layer goes, and each side is asked for its first bytes. */
    void start() {
        Channel b = backend;
        if (b == null) {
            ctx.close();
            return;
        }
        BackendHandler.of(b).attach(this);
        b.pipeline().remove(BackendConnector.CODEC);
        b.pipeline().remove(BackendConnector.IDLE);
        b.read();
        read();
    }

    private void read() {
        if (!readPending) {
            readPending = true;
            ctx.read();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (readPending && !closed) {
            readPending = false; // a read that brought nothing (a TLS record fragment): ask again
            read();
        }
        ctx.fireChannelReadComplete();
    }

    /** Client to backend. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readPending = false;
        Channel b = backend;
        if (closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof ByteBuf buf) || b == null) {
            ReferenceCountUtil.release(msg);
            read();
            return;
        }
        rec.bytesIn += buf.readableBytes();
        b.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                read();
            } else {
                closeAll();
            }
        });
    }

    /** Backend to client. */
    @Override
    public void onBackendMessage(Object msg) {
        Channel b = backend;
        if (closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            if (b != null) {
                b.read();
            }
            return;
        }
        rec.bytesOut += buf.readableBytes();
        ctx.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && b != null) {
                b.read();
            } else {
                closeAll();
            }
        });
    }

    @Override
    public void onBackendInactive() {
        backend = null;
        // what was written to the client leaves first, then the client's side closes too
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void onBackendIdle() {
        // WebSockets may be quiet for a long time (the backend's idle handler is gone anyway)
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DrainEvent.INSTANCE || evt instanceof io.netty.handler.timeout.IdleStateEvent) {
            return; // a tunnel runs until one side closes it
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("event=client_error client={} cause={}", ClientAddress.of(ctx.channel()), cause.toString());
        closeAll();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end();
        ctx.fireChannelInactive();
    }

    private void closeAll() {
        end();
        ctx.close();
    }

    private void end() {
        rec.finish(services, ctx.channel(), covered, null);
        Channel b = backend;
        backend = null;
        if (b != null) {
            BackendHandler.of(b).detach();
            b.close();
        }
        closed = true;
    }
}
