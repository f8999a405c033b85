package dev.gatehouse.tls.observe;

import java.net.InetSocketAddress;

/**
 * What the data plane knows of one finished request (HTTP/1.1 request or HTTP/2 stream), handed to
 * a {@link RequestObserver} once the response is complete (or the exchange failed). Built on the
 * event loop; observers must copy what they keep and never block.
 *
 * @param startEpochMillis when the request head arrived (epoch milliseconds)
 * @param client           the client's address (from the PROXY protocol when on), or null
 * @param sni              the ClientHello's server name, or null
 * @param host             the Host / {@code :authority} as sent, or null
 * @param certificateId    the id of the certificate bundle served on the connection, or null
 * @param pool             the backend pool the router chose, or null (no route, refused before routing)
 * @param server           the backend server ({@code host:port}) chosen, the last one tried when none
 *                         could be reached; null when the request never got that far
 * @param method           the request method
 * @param path             the request target up to the query (origin form {@code /a/b}; absolute form
 *                         as sent), or null when the head could not be parsed
 * @param protocol         {@code HTTP/1.1}, {@code HTTP/1.0} or {@code HTTP/2}
 * @param status           the status sent to the client (0 when nothing was sent)
 * @param bytesIn          request body bytes received from the client
 * @param bytesOut         response body bytes sent to the client
 * @param handshakeNanos   the connection's TLS handshake duration, or -1
 * @param connectNanos     time to obtain a backend connection, retries included (0 for a pooled
 *                         keep-alive one), or -1 when none was obtained
 * @param ttfbNanos        from the request head to the backend's response head, or -1 when no backend
 *                         answered (Gatehouse's own answers)
 * @param totalNanos       from the request head to the last byte sent (written and flushed), or to
 *                         the moment the exchange was abandoned
 * @param tlsVersion       e.g. {@code TLSv1.3}, or null
 * @param cipher           the negotiated cipher suite, or null
 * @param group            the key-exchange group, or null when the TLS provider does not tell
 * @param resumed          whether the TLS session was resumed
 * @param requestId        the {@code X-Request-Id} sent to the backend (the client's when it is a trusted
 *                         proxy, else a fresh one), or null when Gatehouse answered before forwarding
 * @param cause            why Gatehouse answered itself or the exchange ended early, or null when a
 *                         backend answered in full: {@code bad_request}, {@code missing_host},
 *                         {@code duplicate_host}, {@code header_too_large}, {@code uri_too_long},
 *                         {@code body_too_large}, {@code misdirected} (421), {@code no_route} (404),
 *                         {@code no_healthy_backend} (503), {@code backend_connect} (502),
 *                         {@code backend_bad_response} (502), {@code backend_closed_early} (502),
 *                         {@code backend_timeout} (504), {@code backend_closed_mid_response},
 *                         {@code client_closed}, {@code client_error}
 * @param upstreamError    the backend error's detail when there was one (e.g. the connect failure's
 *                         message), or null
 * @param query            the query string after {@code ?} (without it), or null when there was none;
 *                         observers decide whether to keep it (it may carry secrets)
 */
public record RequestRecord(long startEpochMillis, InetSocketAddress client, String sni, String host,
        String certificateId, String pool, String server, String method, String path, String protocol, int status,
        long bytesIn, long bytesOut, long handshakeNanos, long connectNanos, long ttfbNanos, long totalNanos,
        String tlsVersion, String cipher, String group, boolean resumed, String requestId, String cause,
        String upstreamError, String query) {
}
