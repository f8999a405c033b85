package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.net.ClientAddress;
import dev.gatehouse.tls.policy.ConnectionPolicy;
import dev.gatehouse.tls.policy.HostPolicy;
import dev.gatehouse.tls.sni.CoveredNames;
import dev.gatehouse.tls.sni.TenantSniHandler;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a request goes on to a backend, and where: the steps every request takes in this order,
 * for HTTP/1.1 and HTTP/2 alike. The declared body against the size limit (413), the authority
 * against the connection's certificate ({@link AuthorityCheck}: 400 or 421), the Host's policy (its
 * IP lists, 403, and rate limit, 429), then the route (the policy's origin pool, else the router's;
 * 404 when none). A refusal is counted, the request released and answered through
 * {@link BackendExchange#refuse}; an admitted request leaves its policy and pool on the exchange.
 *
 * <p>One per client connection (its last policy lookup is shared by the connection's exchanges);
 * only the connection's event loop uses it.
 */
final class RequestAdmission {

    private static final Logger log = LoggerFactory.getLogger(RequestAdmission.class);

    private final ProxyServices services;
    private final CoveredNames covered;
    private final ConnectionPolicy policies;

    /**
     * @param covered the names of the certificate served on the connection ({@link CoveredNames#servedOn});
     *                {@code null} covers nothing, every request gets 421
     */
    RequestAdmission(ProxyServices services, CoveredNames covered) {
        this.services = services;
        this.covered = covered;
        this.policies = new ConnectionPolicy(services.policies());
    }

    CoveredNames covered() {
        return covered;
    }

    ConnectionPolicy policies() {
        return policies;
    }

    /**
     * The codec's verdict on an HTTP/1.1 head: 431 (headers too large), 414 (request line too long) or
     * 400; the connection closes after the answer. True when the head was decoded.
     */
    boolean decoded(BackendExchange x, HttpRequest req) {
        if (req.decoderResult().isSuccess()) {
            return true;
        }
        Throwable cause = req.decoderResult().cause();
        if (cause instanceof TooLongHttpHeaderException) {
            services.metrics().increment("http.header_too_large");
            return refuse(x, req, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header_too_large",
                    "request headers too large", true);
        }
        if (cause instanceof TooLongHttpLineException) {
            services.metrics().increment("http.uri_too_long");
            return refuse(x, req, HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long", "request line too long", true);
        }
        services.metrics().increment("http.bad_request");
        return refuse(x, req, HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed request", true);
    }

    /**
     * @param x          the exchange; its record's {@code host} is the request's first Host value
     * @param declared   the body's length as declared (or known), -1 when not known
     * @param connection the client's TCP connection (for an HTTP/2 stream, the connection it runs on)
     * @return true when admitted ({@code x.policy} and {@code x.pool} set); false when answered
     */
    boolean admit(BackendExchange x, HttpRequest req, boolean http2, long declared, Channel connection) {
        long max = services.settings().maxBodySize();
        if (max > 0 && declared > max) {
            services.metrics().increment("http.body_too_large");
            return refuse(x, req, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                    "body of " + declared + " bytes exceeds " + max, true);
        }
        String host = x.rec.host;
        switch (AuthorityCheck.check(covered, req, http2)) {
            case MISSING_HOST -> {
                services.metrics().increment("http.missing_host");
                return refuse(x, req, HttpResponseStatus.BAD_REQUEST, "missing_host", "missing Host header", false);
            }
            case DUPLICATE_HOST -> { // not reached for HTTP/2: :authority wins
                services.metrics().increment("http.bad_request");
                return refuse(x, req, HttpResponseStatus.BAD_REQUEST, "duplicate_host", "more than one Host header",
                        false);
            }
            case MISDIRECTED -> {
                services.metrics().increment("http.misdirected");
                if (log.isDebugEnabled()) {
                    log.debug("event=misdirected_request sni={} host={} uri={} bundle={} client={}",
                            connection.attr(TenantSniHandler.SNI).get(), host, req.uri(),
                            covered == null ? null : covered.bundleId(), ClientAddress.of(connection));
                }
                return refuse(x, req, HttpResponseStatus.MISDIRECTED_REQUEST, "misdirected",
                        "this connection's certificate does not cover the requested host", false);
            }
            case COVERED -> {
                if (http2) {
                    req.headers().set(HttpHeaderNames.HOST, host); // :authority only, not a second Host a client added
                }
            }
        }
        HostPolicy policy = policies.forHost(host);
        x.policy = policy;
        if (policy != null) {
            long verdict = policy.admit(x.clientAddress(), System.nanoTime());
            if (verdict == HostPolicy.DENIED) {
                services.metrics().increment("policy.ip_denied");
                return refuse(x, req, HttpResponseStatus.FORBIDDEN, "ip_denied", "client address not allowed for " + host,
                        false);
            }
            if (verdict != HostPolicy.ALLOWED) {
                services.metrics().increment("policy.rate_limited");
                x.retryAfter = PolicySteps.retryAfterSeconds(verdict);
                return refuse(x, req, HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited", "rate limit for " + host,
                        false);
            }
        }
        x.pool = PolicySteps.pool(services.router().get(), host, policy);
        if (x.pool == null) {
            services.metrics().increment("proxy.no_route");
            return refuse(x, req, HttpResponseStatus.NOT_FOUND, "no_route", "no route for host " + host, false);
        }
        x.rec.pool = x.pool.name();
        return true;
    }

    private static boolean refuse(BackendExchange x, HttpRequest req, HttpResponseStatus status, String cause,
            String detail, boolean close) {
        ReferenceCountUtil.release(req);
        x.refuse(status, cause, detail, close);
        return false;
    }
}
