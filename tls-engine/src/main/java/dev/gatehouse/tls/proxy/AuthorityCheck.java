package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.sni.CoveredNames;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Iterator;

/**
 * Whether a request may be carried on its connection: its authority must be a name the
 * connection's certificate covers, or it is misdirected (RFC 9110 §15.5.20, 421). This keeps one
 * tenant's connection (or the default certificate's) from carrying requests for another tenant's
 * names, e.g. when a client reuses an HTTP/2 connection for a host it resolved to the same address.
 *
 * <p>The authority is the {@code Host} header; for HTTP/2 Netty's frame-to-object codec turns
 * {@code :authority} into the first {@code Host} value, ahead of any {@code Host} header the client
 * sent as well, so the first value is the one that counts (and the proxy forwards only that one). An
 * HTTP/1.1 request with several {@code Host} values is malformed (RFC 9112 §3.2). A request target in
 * absolute form ({@code GET https://a.example/ HTTP/1.1}) overrides Host at the backend (RFC 9112
 * §3.2.2), so its authority must be covered too.
 */
final class AuthorityCheck {

    /** The outcome, with the status it is answered with. */
    enum Verdict {
        COVERED, MISSING_HOST, DUPLICATE_HOST, MISDIRECTED
    }

    private AuthorityCheck() {
    }

    /**
     * @param covered the names of the certificate served on the connection; {@code null} (no
     *                certificate was recorded) covers nothing
     */
    static Verdict check(CoveredNames covered, HttpRequest req, boolean http2) {
        String host = req.headers().get(HttpHeaderNames.HOST); // the first value
        if (host == null || host.isEmpty()) {
            return Verdict.MISSING_HOST;
        }
        if (!http2) {
            Iterator<String> hosts = req.headers().valueStringIterator(HttpHeaderNames.HOST);
            hosts.next();
            if (hosts.hasNext()) {
                return Verdict.DUPLICATE_HOST;
            }
        }
        if (covered == null || !covered.coversAuthority(host)) {
            return Verdict.MISDIRECTED;
        }
        String targetAuthority = absoluteFormAuthority(req.uri());
        if (targetAuthority != null && !covered.coversAuthority(targetAuthority)) {
            return Verdict.MISDIRECTED;
        }
        return Verdict.COVERED;
    }

    /** The authority of an absolute-form request target (userinfo dropped), or null for any other form. */
    static String absoluteFormAuthority(String uri) {
        if (uri.isEmpty() || uri.charAt(0) == '/' || uri.charAt(0) == '*') {
            return null; // origin form or asterisk form: the common case, no work
        }
        int scheme = uri.indexOf("://");
        if (scheme <= 0) {
            return null;
        }
        int start = scheme + 3;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        int at = uri.lastIndexOf('@', end - 1);
        if (at >= start) {
            start = at + 1;
        }
        return uri.substring(start, end);
    }
}
