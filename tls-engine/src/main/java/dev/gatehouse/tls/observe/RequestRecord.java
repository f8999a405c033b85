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
 * @param server           the backend server ({@code host:port}) that answered, or null
 * @param method           the request method
 * @param path             the path, without the query
 * @param protocol         {@code HTTP/1.1}, {@code HTTP/1.0} or {@code HTTP/2}
 * @param status           the status sent to the client (0 when nothing was sent)
 * @param bytesIn          request body bytes received from the client
 * @param bytesOut         response body bytes sent to the client
 * @param handshakeNanos   the connection's TLS handshake duration, or -1
 * @param connectNanos     time to obtain a backend connection (0 for a reused one), or -1 when none
 * @param ttfbNanos        from the request head to the backend's response head, or -1
 * @param totalNanos       from the request head to the last byte sent
 * @param tlsVersion       e.g. {@code TLSv1.3}, or null
 * @param cipher           the negotiated cipher suite, or null
 * @param group            the key-exchange group, or null when the TLS provider does not tell
 * @param resumed          whether the TLS session was resumed
 * @param requestId        the {@code X-Request-Id} sent to the backend
 * @param cause            why Gatehouse answered itself ({@code misdirected}, {@code no_route},
 *                         {@code backend_connect}, {@code backend_timeout}, ...), or null
 * @param upstreamError    the backend error's detail when there was one, or null
 */
public record RequestRecord(long startEpochMillis, InetSocketAddress client, String sni, String host,
        String certificateId, String pool, String server, String method, String path, String protocol, int status,
        long bytesIn, long bytesOut, long handshakeNanos, long connectNanos, long ttfbNanos, long totalNanos,
        String tlsVersion, String cipher, String group, boolean resumed, String requestId, String cause,
        String upstreamError) {
}
