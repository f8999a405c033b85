package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.policy.HostPolicy;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The short bodies the proxy itself answers with (502, 503, 504, 4xx), or the tenant's HTML page
 * for that status when the hostname's policy has one; the policy's HSTS header either way.
 */
final class ErrorResponses {

    private ErrorResponses() {
    }

    static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, String detail, boolean close) {
        return of(alloc, status, detail, close, null);
    }

    static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, String detail, boolean close,
            HostPolicy policy) {
        byte[] page = policy == null ? null : policy.errorPage(status.code());
        FullHttpResponse r;
        if (page != null) {
            r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, alloc.buffer(page.length).writeBytes(page));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_HTML + "; charset=utf-8");
        } else {
            String body = status.code() + " " + status.reasonPhrase() + (detail == null ? "" : ": " + detail) + "\n";
            r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, ByteBufUtil.writeUtf8(alloc, body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8");
        }
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (policy != null && policy.hsts() != null) {
            r.headers().set(HostPolicy.HSTS_HEADER, policy.hsts());
        }
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }
}
