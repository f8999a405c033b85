package dev.gatehouse.tls.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.net.Inet6Address;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Header rules of a reverse proxy: hop-by-hop headers removed (RFC 9110 §7.6.1), forwarding headers
 * added ({@code X-Forwarded-*}, {@code Forwarded} of RFC 7239), a request id.
 */
final class HeaderRewriter {

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");

    private static final AsciiString[] HOP_BY_HOP = {
        HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
        HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
        HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION,
    };

    private HeaderRewriter() {
    }

    /** Removes hop-by-hop headers, including those the Connection header names. */
    static void stripHopByHop(HttpHeaders headers) {
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            // getAll is a copy: the names can go while it is walked. A value without a comma or
            // blanks (the usual "keep-alive", "close") costs no new string.
            for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
                int start = 0;
                while (start <= value.length()) {
                    int comma = value.indexOf(',', start);
                    int end = comma < 0 ? value.length() : comma;
                    String t = value.substring(start, end).trim();
                    if (!t.isEmpty()) {
                        headers.remove(t);
                    }
                    start = end + 1;
                }
            }
        }
        for (AsciiString h : HOP_BY_HOP) {
            headers.remove(h);
        }
    }

    /** True for a WebSocket upgrade request (RFC 6455 §4.1). */
    static boolean isWebSocketUpgrade(HttpHeaders headers) {
        return headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && headers.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /**
     * Adds the forwarding headers to a request going to a backend.
     *
     * @param trusted whether the client is a trusted proxy (its forwarding headers are extended, not replaced)
     */
    static void addForwarding(HttpHeaders headers, InetAddress client, String host, int localPort, boolean trusted) {
        String clientIp = client == null ? "unknown" : client.getHostAddress();
        if (!trusted) {
            headers.remove(X_FORWARDED_FOR);
            headers.remove(X_FORWARDED_PROTO);
            headers.remove(X_FORWARDED_HOST);
            headers.remove(X_FORWARDED_PORT);
            headers.remove(FORWARDED);
            headers.remove(X_REQUEST_ID);
        }
        String xff = headers.get(X_FORWARDED_FOR);
        headers.set(X_FORWARDED_FOR, xff == null || xff.isBlank() ? clientIp : xff + ", " + clientIp);
        if (!trusted || !headers.contains(X_FORWARDED_PROTO)) {
            headers.set(X_FORWARDED_PROTO, "https");
        }
        if (host != null && (!trusted || !headers.contains(X_FORWARDED_HOST))) {
            headers.set(X_FORWARDED_HOST, host);
        }
        if (!trusted || !headers.contains(X_FORWARDED_PORT)) {
            headers.set(X_FORWARDED_PORT, Integer.toString(localPort));
        }
        String node = client instanceof Inet6Address ? "\"[" + clientIp + "]\"" : clientIp;
        StringBuilder fwd = new StringBuilder("for=").append(node).append(";proto=https");
        if (host != null) {
            fwd.append(";host=").append(quoteIfNeeded(host));
        }
        String previous = headers.get(FORWARDED);
        headers.set(FORWARDED, previous == null ? fwd.toString() : previous + ", " + fwd);
        if (!headers.contains(X_REQUEST_ID)) {
            headers.set(X_REQUEST_ID, newRequestId());
        }
    }

    private static String quoteIfNeeded(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_')) {
                return "\"" + host.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            }
        }
        return host;
    }

    /** 128 random bits in hex: unique enough to trace a request through logs. */
    static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] b = new byte[16];
        r.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }
}
