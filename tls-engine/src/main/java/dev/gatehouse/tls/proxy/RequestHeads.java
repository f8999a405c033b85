package dev.gatehouse.tls.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The steps that turn an admitted request head into the one sent to the backend (always HTTP/1.1),
 * shared by {@link Http1Exchange} and {@link Http2Exchange}; the forwarding headers are
 * {@link HeaderRewriter}'s and the policy's {@link PolicySteps}'.
 */
final class RequestHeads {

    private RequestHeads() {
    }

    /** Hop-by-hop headers and {@code Expect} out (100-continue was answered by our own codec). */
    static void strip(HttpHeaders headers, boolean http2) {
        HeaderRewriter.stripHopByHop(headers);
        headers.remove(HttpHeaderNames.EXPECT);
        if (http2) {
            removeHttp2Extensions(headers);
        }
    }

    /** The body's framing to the backend: its length when known, else chunked when a body follows. */
    static void frameBody(HttpHeaders headers, long declared, boolean chunked) {
        if (declared >= 0) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, declared);
        } else if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    /**
     * HTTP/2 may split the cookie header into one field per cookie; going to HTTP/1.1 they are joined
     * with "; " into one (RFC 9113 §8.2.3).
     */
    static void joinCookies(HttpHeaders headers) {
        List<String> cookies = headers.getAll(HttpHeaderNames.COOKIE);
        if (cookies.size() > 1) {
            headers.set(HttpHeaderNames.COOKIE, String.join("; ", cookies));
        }
    }

    /** Drops the {@code x-http2-*} headers Netty's HTTP/2 conversion adds, and any a client sent. */
    static void removeHttp2Extensions(HttpHeaders headers) {
        List<String> drop = null;
        Iterator<Map.Entry<String, String>> it = headers.iteratorAsString();
        while (it.hasNext()) {
            String name = it.next().getKey();
            if (name.regionMatches(true, 0, "x-http2-", 0, 8)) {
                if (drop == null) {
                    drop = new ArrayList<>(2);
                }
                drop.add(name);
            }
        }
        if (drop != null) {
            drop.forEach(headers::remove);
        }
    }
}
