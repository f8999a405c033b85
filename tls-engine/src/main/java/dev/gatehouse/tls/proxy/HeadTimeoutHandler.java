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
    private final long timeoutNanos;
    private final ProxyServices services;
    private ChannelHandlerContext ctx;
    /**
     * Scheduled at most once at a time per connection and re-armed when it fires early, rather than
     * scheduled and cancelled for every head of a keep-alive connection (IdleStateHandler's trick).
     */
    private ScheduledFuture<?> timer;
    private final Runnable check = this::check;
    private boolean expectingHead = true;
    /**
     * When the first byte of the head under way arrived: by the event loop's {@code ticker()} (the
     * deadline), and by {@link System#nanoTime()} and the wall clock for the 408's record (no method,
     * no path, status 408). {@code headStarted} false when no head is under way.
     */
    private boolean headStarted;
    private long headStartTicks;
    private long headStartNanos;
    private long headStartEpochMillis;

    public HeadTimeoutHandler(long timeoutMillis, ProxyServices services) {
        this.timeoutMillis = timeoutMillis;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.services = services;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (expectingHead && !headStarted && msg instanceof ByteBuf buf && buf.isReadable()) {
            headStarted = true;
            headStartTicks = ctx.executor().ticker().nanoTime();
            headStartNanos = System.nanoTime();
            headStartEpochMillis = System.currentTimeMillis();
            if (timer == null) {
                timer = ctx.executor().schedule(check, timeoutMillis, TimeUnit.MILLISECONDS);
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** The timer fired: a 408 when the head under way is late, else armed again for the one that is. */
    private void check() {
        timer = null;
        if (!headStarted) {
            return; // no head under way: the next head's first byte arms the timer again
        }
        long left = headStartTicks + timeoutNanos - ctx.executor().ticker().nanoTime();
        if (left > 0) {
            timer = ctx.executor().schedule(check, left, TimeUnit.NANOSECONDS);
            return;
        }
        timedOut(ctx);
    }

    /** True once this connection got its 408: whatever the codec still decodes is that same exchange. */
    static boolean answered(io.netty.channel.Channel ch) {
        return ch.hasAttr(ANSWERED);
    }

    private void timedOut(ChannelHandlerContext ctx) {
        services.metrics().increment("http.header_timeout");
        ctx.channel().attr(ANSWERED).set(Boolean.TRUE);
        ExchangeRecord r = new ExchangeRecord();
        r.protocol = "HTTP/1.1";
        r.startNanos = headStartNanos;
        r.startEpochMillis = headStartEpochMillis;
        headStarted = false;
        ctx.writeAndFlush(Unpooled.wrappedBuffer(RESPONSE_408)).addListener((ChannelFutureListener) f -> {
            r.status = 408;
            r.bytesOut = BODY_408;
            r.finish(services, ctx.channel(), CoveredNames.servedOn(ctx.channel()), "header_timeout");
            ctx.close();
        });
    }

    /** A complete request head was decoded (the timer stays armed, for the next head, until it fires). */
    void headReceived() {
        expectingHead = false;
        headStarted = false;
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
        headStarted = false;
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
