/**
 * The reverse proxy: a request on a TLS (or port-80) connection forwarded to a backend server and
 * the response back, for HTTP/1.1 and HTTP/2 alike.
 *
 * <p>How a request goes: a front handler per connection, {@link dev.gatehouse.tls.proxy.ProxyHandler}
 * (HTTP/1.1: one {@code Http1Exchange} at a time, reused) or
 * {@link dev.gatehouse.tls.proxy.Http2ProxyHandler} (HTTP/2 at frame level: one {@code Http2Exchange}
 * per stream). {@code RequestAdmission} takes the steps before a backend, in one order for both: the
 * body limit, the authority against the names the connection's certificate covers
 * ({@link dev.gatehouse.tls.proxy.AuthorityCheck}, 421 otherwise), the Host's policy, the route. The
 * exchange rewrites the headers ({@code HeaderRewriter}: hop-by-hop out, {@code X-Forwarded-*} and
 * {@code Forwarded} in, a request id) and streams the bodies; its backend side (connect and retries,
 * timeouts, accounting) is {@code BackendExchange}, shared by both protocols. A WebSocket upgrade
 * swaps the HTTP/1.1 front handler for a {@code WebSocketTunnel}. Every exchange ends in one
 * {@link dev.gatehouse.tls.observe.RequestRecord} built by {@code ExchangeRecord}.
 *
 * <p>Decisions:
 * <ul>
 *   <li>Bodies are streamed chunk by chunk with auto-read off on both sides (Netty's proxy pattern),
 *       never aggregated: a slow peer slows the other side instead of filling memory.</li>
 *   <li>HTTP/2 is proxied at frame level, a small object per stream instead of a child channel and
 *       pipeline per stream, which had made HTTP/2 cost twice what HTTP/1.1 did per request; a DATA
 *       frame's bytes return to the client's window only once they are written to the backend.</li>
 *   <li>Limits ({@link dev.gatehouse.tls.proxy.ProxySettings}) answer with short plain-text bodies
 *       ({@code ErrorResponses}); slowloris is cut by {@link dev.gatehouse.tls.proxy.HeadTimeoutHandler}
 *       (408), and a graceful stop drains connections through {@link dev.gatehouse.tls.proxy.DrainEvent}.</li>
 * </ul>
 */
package dev.gatehouse.tls.proxy;
