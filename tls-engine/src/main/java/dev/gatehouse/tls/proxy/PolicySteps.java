package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.policy.HostPolicy;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * The steps of a hostname's policy that both proxy paths (HTTP/1.1 {@link Http1Exchange}, HTTP/2
 * {@link Http2Exchange}) take at the same points of an exchange. Each is a no-op for a name without
 * a policy ({@code null}).
 */
final class PolicySteps {

    static final AsciiString METADATA = AsciiString.cached("x-gatehouse-metadata");

    private PolicySteps() {
    }

    /** The pool of the policy's origin when it names one, else the routed pool; null when none. */
    static BackendPool pool(Router router, String host, HostPolicy policy) {
        if (policy != null && policy.originPool() != null) {
            return router.pool(policy.originPool());
        }
        return router.route(host);
    }

    /**
     * After the forwarding headers: a metadata header the client sent is dropped whatever the policy
     * (a backend trusts it to come from us), the policy's is added, and Host rewritten for the origin.
     */
    static void requestHeaders(HttpHeaders headers, HostPolicy policy) {
        headers.remove(METADATA);
        if (policy == null) {
            return;
        }
        if (policy.metadata() != null) {
            headers.set(METADATA, policy.metadata());
        }
        if (policy.originHost() != null) {
            headers.set(HttpHeaderNames.HOST, policy.originHost());
        }
    }

    /** HSTS on a backend's response (the policy's value replaces one the backend sent). */
    static void responseHeaders(HttpHeaders headers, HostPolicy policy) {
        if (policy != null && policy.hsts() != null) {
            headers.set(HostPolicy.HSTS_HEADER, policy.hsts());
        }
    }

    /** {@code Retry-After} in whole seconds (at least 1) for a wait of {@code nanos}. */
    static long retryAfterSeconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }
}
