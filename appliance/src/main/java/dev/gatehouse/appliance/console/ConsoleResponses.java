package dev.gatehouse.appliance.console;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;

/**
 * An {@link ApiResponse} as the HTTP/1.1 response {@link ConsoleConnection} writes: JSON body,
 * its length, {@code Cache-Control: no-store} (answers carry tenants' data), and the response's
 * own headers.
 */
final class ConsoleResponses {

    private ConsoleResponses() {
    }

    /** {@link #render(ApiResponse)} with a {@code Retry-After} header when {@code retryAfter} is not null. */
    static FullHttpResponse render(ApiResponse r, String retryAfter) {
        FullHttpResponse resp = render(r);
        if (retryAfter != null) {
            resp.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        return resp;
    }

    static FullHttpResponse render(ApiResponse r) {
        FullHttpResponse resp;
        try {
            byte[] bytes = r.body() == null ? new byte[0] : Json.MAPPER.writeValueAsBytes(r.body());
            resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
                    Unpooled.wrappedBuffer(bytes));
        } catch (Exception e) {
            resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.INTERNAL_SERVER_ERROR);
        }
        if (r.contentType() != null) {
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        }
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
        resp.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            resp.headers().set(h.getKey(), h.getValue());
        }
        return resp;
    }
}
