package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.policy.HostPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * An HTTP/1.1 response (a backend's, or our own answer) written to an HTTP/2 stream as frames
 * (RFC 9113 §8.1): HEADERS, DATA, and trailers as a final HEADERS. The relay's order and flow control
 * are {@link Http2Exchange}'s; what is here is the framing. Writes go through the connection's
 * handler, so they leave in its next flush.
 */
final class Http2ResponseFrames {

    private Http2ResponseFrames() {
    }

    /** A backend's response head: hop-by-hop headers out, the policy's in (HSTS), then as HEADERS. */
    static ChannelFuture writeHead(Http2ProxyHandler conn, Http2FrameStream stream, HttpResponse response,
            HostPolicy policy) {
        HeaderRewriter.stripHopByHop(response.headers());
        PolicySteps.responseHeaders(response.headers(), policy);
        return conn.write(new DefaultHttp2HeadersFrame(HttpConversionUtil.toHttp2Headers(response, true), false)
                .stream(stream));
    }

    /** A body chunk that is not the last. */
    static ChannelFuture writeData(Http2ProxyHandler conn, Http2FrameStream stream, ByteBuf body) {
        return conn.write(new DefaultHttp2DataFrame(body, false).stream(stream));
    }

    /** The response's end: the last DATA, or (with trailers) the DATA and then a HEADERS that ends the stream. */
    static ChannelFuture writeLast(Http2ProxyHandler conn, Http2FrameStream stream, ByteBuf body,
            HttpHeaders trailers) {
        if (trailers.isEmpty()) {
            return conn.write(new DefaultHttp2DataFrame(body, true).stream(stream));
        }
        if (body.isReadable()) {
            conn.write(new DefaultHttp2DataFrame(body, false).stream(stream));
        } else {
            body.release();
        }
        return conn.write(new DefaultHttp2HeadersFrame(HttpConversionUtil.toHttp2Headers(trailers, true), true)
                .stream(stream));
    }

    /** Our own complete answer: HEADERS, then its body in a DATA that ends the stream (the returned write). */
    static ChannelFuture writeAnswer(Http2ProxyHandler conn, Http2FrameStream stream, FullHttpResponse answer) {
        conn.write(new DefaultHttp2HeadersFrame(HttpConversionUtil.toHttp2Headers(answer, true), false)
                .stream(stream));
        return conn.write(new DefaultHttp2DataFrame(answer.content(), true).stream(stream));
    }
}
