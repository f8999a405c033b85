package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.sni.CoveredNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Defeats slowloris on HTTP/1.1: once the first byte of a request head arrives, the whole head must
 * arrive within the header timeout, or the client gets 408 and the connection is closed. Sits in
 * front of the HTTP codec; the {@link ProxyHandler} tells it when a head is complete and when the
 * next one may start. An idle keep-alive connection (no byte at all) is the idle timeout's business.
 * A 408 is an exchange like any other: its record (status 408, cause {@code header_timeout}, no
 * method or path: the head never completed) goes to the observer.
 */
public final class HeadTimeoutHandler extends ChannelInboundHandlerAdapter {

    private static final byte[] RESPONSE_408 = ("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 37\r\n\r\n408 Request Timeout: header too slow\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final int BODY_408 = 37;
    private static final io.netty.util.AttributeKey<Boolean> ANSWERED =
            io.netty.util.AttributeKey.valueOf("gatehouse.headTimeoutAnswered");

    private final long timeoutMillis;
    private final ProxyServices services;
    private ScheduledFuture<?> timer;
    private boolean expectingHead = true;
    /** The exchange a 408 answers, from the head's first byte (its record: no method, no path, status 408). */
    private ExchangeRecord pending;

    public HeadTimeoutHandler(long timeoutMillis, ProxyServices services) {
        this.timeoutMillis = timeoutMillis;
        this.services = services;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (expectingHead && timer == null && msg instanceof ByteBuf buf && buf.isReadable()) {
            pending = new ExchangeRecord();
            pending.start("HTTP/1.1");
            timer = ctx.executor().schedule(() -> timedOut(ctx), timeoutMillis, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    /** True once this connection got its 408: whatever the codec still decodes is that same exchange. */
    static boolean answered(io.netty.channel.Channel ch) {
        return ch.hasAttr(ANSWERED);
    }

    private void timedOut(ChannelHandlerContext ctx) {
        services.metrics().increment("http.header_timeout");
        ctx.channel().attr(ANSWERED).set(Boolean.TRUE);
        ExchangeRecord r = pending;
        ctx.writeAndFlush(Unpooled.wrappedBuffer(RESPONSE_408)).addListener((ChannelFutureListener) f -> {
            if (r != null) {
                r.status = 408;
                r.bytesOut = BODY_408;
                r.finish(services, ctx.channel(), CoveredNames.servedOn(ctx.channel()), "header_timeout");
            }
            ctx.close();
        });
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
        pending = null;
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
