package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.net.ClientAddress;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.observe.RequestRecord;
import dev.gatehouse.tls.sni.ConnectionTls;
import dev.gatehouse.tls.sni.CoveredNames;
import dev.gatehouse.tls.sni.TenantSniHandler;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one exchange's {@link RequestRecord} will say, filled in as the exchange goes and handed to
 * the observer exactly once ({@link #finish}): the one place a record is built, for HTTP/1.1
 * ({@link Http1Exchange}, {@link WebSocketTunnel}) and HTTP/2 ({@link Http2Exchange}) alike, so both fill every field the same
 * way (client address through the PROXY header, TLS facts of the connection, path and query split).
 * The fields mirror the record's (see {@link RequestRecord} for each). Only the connection's event
 * loop touches it.
 */
final class ExchangeRecord {

    private static final Logger log = LoggerFactory.getLogger(ExchangeRecord.class);

    long startNanos;
    long startEpochMillis;
    String method;
    String uri;
    String protocol;
    String host;
    String pool;
    String server;
    int status;
    long bytesIn;
    long bytesOut;
    long connectStartNanos;
    long connectNanos = -1;
    long ttfbNanos = -1;
    String requestId;
    String upstreamError;
    private boolean recorded;

    void start(String protocol) {
        startNanos = System.nanoTime();
        startEpochMillis = System.currentTimeMillis();
        this.protocol = protocol;
    }

    boolean recorded() {
        return recorded;
    }

    /**
     * Builds the record and hands it to the observer, once (the first end wins: a response completed,
     * an error answered, the stream or connection lost). {@code why} is null when a backend answered.
     *
     * @param connection the client's TCP connection (for an HTTP/2 stream, the connection it runs on)
     */
    void finish(ProxyServices services, Channel connection, CoveredNames covered, String why) {
        if (recorded || startNanos == 0) {
            return;
        }
        recorded = true;
        if (services.observer() == RequestObserver.NONE) {
            return; // nobody listens (observability off): the record is not built
        }
        ConnectionTls tls = ConnectionTls.of(connection);
        String u = uri;
        int q = u == null ? -1 : u.indexOf('?');
        String path = q < 0 ? u : u.substring(0, q);
        String query = q < 0 ? null : u.substring(q + 1);
        RequestRecord r = new RequestRecord(startEpochMillis,
                ClientAddress.of(connection),
                connection.attr(TenantSniHandler.SNI).get(), host,
                covered == null ? (tls == null ? null : tls.certificateId()) : covered.bundleId(),
                pool, server, method, path, protocol, status, bytesIn, bytesOut,
                tls == null ? -1 : tls.handshakeNanos(), connectNanos, ttfbNanos, System.nanoTime() - startNanos,
                tls == null ? null : tls.tlsVersion(), tls == null ? null : tls.cipher(),
                tls == null ? null : tls.group(), tls != null && tls.resumed(), requestId,
                why, upstreamError, query);
        try {
            services.observer().onRequest(r);
        } catch (RuntimeException e) {
            log.warn("event=observer_failed cause={}", e.toString());
        }
    }
}
