package dev.gatehouse.tls.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Defeats slowloris on HTTP/1.1: once the first byte of a request head arrives, the whole head must
 * arrive within the header timeout, or the client gets 408 and the connection is closed. Sits in
 * front of the HTTP codec; the {@link ProxyHandler} tells it when a head is complete and when the
 * next one may start. An idle keep-alive connection (no byte at all) is the idle timeout's business.
 */
public final class HeadTimeoutHandler extends ChannelInboundHandlerAdapter {

    private static final byte[] RESPONSE_408 = ("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 37\r\n\r\n408 Request Timeout: header too slow\n")
            .getBytes(StandardCharsets.US_ASCII);

    private final long timeoutMillis;
    private final EdgeMetrics metrics;
    private ScheduledFuture<?> timer;
    private boolean expectingHead = true;

    public HeadTimeoutHandler(long timeoutMillis, EdgeMetrics metrics) {
        this.timeoutMillis = timeoutMillis;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (expectingHead && timer == null && msg instanceof ByteBuf buf && buf.isReadable()) {
            timer = ctx.executor().schedule(() -> {
                metrics.increment("http.header_timeout");
                ctx.writeAndFlush(Unpooled.wrappedBuffer(RESPONSE_408)).addListener(ChannelFutureListener.CLOSE);
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    /** A complete request head was decoded. */
    void headReceived() {
        expectingHead = false;
        cancel();
    }

    /** The exchange ended; the next bytes start a new head. */
    void awaitNextHead() {
        expectingHead = true;
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }
}
