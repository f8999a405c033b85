package dev.gatehouse.tls.server;

import dev.gatehouse.tls.proxy.DrainEvent;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Drains an HTTP/2 connection ({@link DrainEvent}) in the two steps of RFC 9113 §6.8, so that no
 * request the client has already sent is refused: a GOAWAY with the last stream id 2^31−1 (no new
 * streams, please; every stream sent so far is still served) followed by a PING; once the client
 * acknowledges the PING (every stream it sent before it saw the GOAWAY has arrived), or after
 * {@link #ACK_WAIT_MS}, the final GOAWAY with the real last stream id; then the connection closes as
 * soon as its open streams are done (the codec's graceful close, bounded by its shutdown timeout).
 *
 * <p>Sits right after the {@code Http2FrameCodec}; only the connection's event loop touches it.
 */
final class Http2Drain extends ChannelInboundHandlerAdapter {

    /** How long the final GOAWAY waits for the PING's acknowledgement (a client that never answers). */
    static final long ACK_WAIT_MS = 200;
    /** The payload of our PING, to tell its acknowledgement from one of a client's own PINGs. */
    private static final long DRAIN_PING = 0x6761746568737364L;

    private boolean started;
    private boolean finished;
    private ScheduledFuture<?> ackTimeout;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt != DrainEvent.INSTANCE) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (started) {
            return;
        }
        started = true;
        // extraStreamIds: the codec adds them (doubled) to the last stream created and caps at 2^31-1
        ctx.write(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR).setExtraStreamIds(Integer.MAX_VALUE));
        ctx.writeAndFlush(new DefaultHttp2PingFrame(DRAIN_PING));
        ackTimeout = ctx.executor().schedule(() -> finish(ctx), ACK_WAIT_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (started && msg instanceof Http2PingFrame ping && ping.ack() && ping.content() == DRAIN_PING) {
            ReferenceCountUtil.release(msg);
            finish(ctx);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ackTimeout != null) {
            ackTimeout.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    /** The final GOAWAY (the last stream the client opened), then close once the open streams are done. */
    private void finish(ChannelHandlerContext ctx) {
        if (finished) {
            return;
        }
        finished = true;
        ackTimeout.cancel(false);
        if (!ctx.channel().isActive()) {
            return;
        }
        ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
        ctx.close(); // Http2ConnectionHandler.close: waits for the active streams, then closes
    }
}
