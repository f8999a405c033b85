package dev.gatehouse.tls.net;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;

/**
 * Writing a whole HTTP/1.1 response from one of our small plain handlers (the ACME HTTP-01 port,
 * the demo backend): {@code Connection: close} and a close once it is flushed, unless the
 * connection stays open.
 */
public final class PlainResponses {

    private PlainResponses() {
    }

    /** Writes and flushes {@code r}; when not {@code keepAlive}, says so in the response and closes after it. */
    public static ChannelFuture write(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture f = ctx.writeAndFlush(r);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        return f;
    }
}
