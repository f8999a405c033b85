package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.BackendHandler;
import dev.gatehouse.tls.backend.BackendListener;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.net.ClientAddress;
import dev.gatehouse.tls.observe.RequestRecord;
import dev.gatehouse.tls.policy.ConnectionPolicy;
import dev.gatehouse.tls.policy.HostPolicy;
import dev.gatehouse.tls.sni.CoveredNames;
import dev.gatehouse.tls.sni.TenantSniHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards one client connection's requests (HTTP/1.1) or one stream's request (HTTP/2, after
 * Netty's frame-to-object codec) to a backend server, and the responses back.
 *
 * <p>Flow control follows Netty's proxy pattern: auto-read is off on both sides and the next chunk
 * is read only after the previous one was written, so a slow peer slows the other side down instead
 * of filling memory. Bodies are streamed chunk by chunk, never aggregated. One exchange at a time per
 * connection: HTTP/1.1 pipelining is served in order because a {@link io.netty.handler.flow.FlowControlHandler}
 * in front of this handler holds the requests that one socket read decoded and hands over one message
 * per {@code read()}; this handler keeps at most one {@code read()} outstanding.
 *
 * <p>Before anything is forwarded the request's authority must be covered by the certificate served
 * on the connection ({@link AuthorityCheck}), else 421 Misdirected Request.
 *
 * <p>Every exchange ends in exactly one {@link RequestRecord} handed to the
 * {@link ProxyServices#observer() observer}: answered by a backend, by Gatehouse itself (with a
 * {@code cause}), or cut short (status 0 when nothing was sent). Timings are {@link System#nanoTime()}
 * differences taken on this channel's event loop.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter implements BackendListener {

    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);
    private static final int MAX_ATTEMPTS = 3;

    private enum State { IDLE, FORWARDING, DISCARDING, TUNNEL, CLOSED }

    private final ProxyServices services;
    private final boolean http2;
    private final int localPort;
    private final CoveredNames covered;
    private final ConnectionPolicy policies;
    private ChannelHandlerContext ctx;
    /** A {@code read()} was asked for and no message has arrived since. */
    private boolean readPending;
    private boolean started;
    private boolean draining;
    private State state = State.IDLE;

    // the current exchange
    private HttpRequest outbound;
    private String host;
    /** The Host's policy (null: none), looked up once the Host is known to be covered. */
    private HostPolicy policy;
    /** Seconds for the Retry-After of a 429 this exchange answers. */
    private long retryAfter;
    private boolean requestKeepAlive;
    private boolean requestDone;
    private boolean bodySent;
    private boolean websocket;
    private long bodyBytes;
    private final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>();
    private BackendPool pool;
    private BackendServer server;
    private boolean serverCounted;
    private boolean inflightCounted;
    private Channel backend;
    private boolean reused;
    private int attempts;
    private boolean responseStarted;
    private boolean responseKeepAlive;
    private boolean switching;
    private boolean skippingInformational;
    private ScheduledFuture<?> requestTimer;

    // what the exchange's record will say (see RequestRecord for each field)
    private boolean recorded;
    private long startNanos;
    private long startEpochMillis;
    private String method;
    private String uri;
    private String protocol;
    private int status;
    private long bytesOut;
    private long connectStartNanos;
    private long connectNanos;
    private long ttfbNanos;
    private String requestId;
    private String upstreamError;

    /**
     * @param http2     true when this handler serves one HTTP/2 stream (a child channel)
     * @param localPort the listener's port, for {@code X-Forwarded-Port}
     * @param covered   the names of the certificate served on this connection
     *                  ({@link CoveredNames#servedOn}); {@code null} covers nothing, every request gets 421
     */
    public ProxyHandler(ProxyServices services, boolean http2, int localPort, CoveredNames covered) {
        this.services = services;
        this.http2 = http2;
        this.localPort = localPort;
        this.covered = covered;
        this.policies = new ConnectionPolicy(services.policies());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start();
        ctx.fireChannelActive();
    }

    private void start() {
        if (!started) {
            started = true;
            ctx.channel().config().setAutoRead(false);
            read();
        }
    }

    /** Asks for the next message, unless a read is already outstanding (which would deliver two). */
    private void read() {
        if (!readPending) {
            readPending = true;
            ctx.read();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (readPending && state != State.CLOSED) {
            // The read cycle ended without a message for us (half a request head, a TLS record
            // fragment): the flow-control handler counts that as the read's answer, so ask again.
            readPending = false;
            read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readPending = false;
        if (HeadTimeoutHandler.answered(ctx.channel())) {
            // the half head the 408 answered, decoded as a bad request when the connection closes: one
            // exchange, one record (the 408's)
            ReferenceCountUtil.release(msg);
            return;
        }
        switch (state) {
            case CLOSED -> ReferenceCountUtil.release(msg);
            case TUNNEL -> relayToBackend(msg);
            case DISCARDING -> discard(msg);
            default -> {
                if (msg instanceof HttpRequest req) {
                    onRequest(req);
                } else if (msg instanceof HttpContent content && state == State.FORWARDING) {
                    onRequestBody(content);
                } else {
                    ReferenceCountUtil.release(msg);
                    read();
                }
            }
        }
    }

    // ---- request side -------------------------------------------------------------------------

    private void onRequest(HttpRequest req) {
        HeadTimeoutHandler headTimer = ctx.pipeline().get(HeadTimeoutHandler.class);
        if (headTimer != null) {
            headTimer.headReceived();
        }
        if (state != State.IDLE) {
            ReferenceCountUtil.release(req);
            return;
        }
        resetExchange();
        startNanos = System.nanoTime();
        startEpochMillis = System.currentTimeMillis();
        recorded = false;
        method = req.method().name();
        uri = req.uri();
        protocol = http2 ? "HTTP/2" : req.protocolVersion() == HttpVersion.HTTP_1_0 ? "HTTP/1.0" : "HTTP/1.1";
        state = State.FORWARDING;
        services.inflight().incrementAndGet();
        inflightCounted = true;
        services.metrics().increment(http2 ? "http.requests.h2" : "http.requests.h1");

        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            ReferenceCountUtil.release(req);
            requestKeepAlive = false;
            if (cause instanceof TooLongHttpHeaderException) {
                services.metrics().increment("http.header_too_large");
                respondError(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header_too_large",
                        "request headers too large");
            } else if (cause instanceof TooLongHttpLineException) {
                services.metrics().increment("http.uri_too_long");
                respondError(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long", "request line too long");
            } else {
                services.metrics().increment("http.bad_request");
                respondError(HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed request");
            }
            return;
        }

        HttpHeaders headers = req.headers();
        requestKeepAlive = http2 || (HttpUtil.isKeepAlive(req) && !draining);
        boolean full = req instanceof FullHttpRequest;
        long declared = HttpUtil.getContentLength(req, -1L);
        boolean chunked = HttpUtil.isTransferEncodingChunked(req);
        host = headers.get(HttpHeaderNames.HOST);

        // the rest of the request (body, or the empty last chunk of an HTTP/1.1 GET) is still to come
        if (full) {
            FullHttpRequest f = (FullHttpRequest) req;
            if (declared < 0 && f.content().isReadable()) {
                declared = f.content().readableBytes();
            }
        }
        long max = services.settings().maxBodySize();
        if (max > 0 && declared > max) {
            services.metrics().increment("http.body_too_large");
            ReferenceCountUtil.release(req);
            requestKeepAlive = false;
            respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                    "body of " + declared + " bytes exceeds " + max);
            return;
        }
        boolean bodyPending = !full && (declared > 0 || chunked);
        switch (AuthorityCheck.check(covered, req, http2)) {
            case MISSING_HOST -> {
                ReferenceCountUtil.release(req);
                services.metrics().increment("http.missing_host");
                respondError(HttpResponseStatus.BAD_REQUEST, "missing_host", "missing Host header", bodyPending);
                return;
            }
            case DUPLICATE_HOST -> {
                ReferenceCountUtil.release(req);
                services.metrics().increment("http.bad_request");
                respondError(HttpResponseStatus.BAD_REQUEST, "duplicate_host", "more than one Host header", bodyPending);
                return;
            }
            case MISDIRECTED -> {
                ReferenceCountUtil.release(req);
                services.metrics().increment("http.misdirected");
                if (log.isDebugEnabled()) {
                    log.debug("event=misdirected_request sni={} host={} uri={} bundle={} client={}", sni(), host,
                            req.uri(), covered == null ? null : covered.bundleId(), ClientAddress.of(ctx.channel()));
                }
                respondError(HttpResponseStatus.MISDIRECTED_REQUEST, "misdirected",
                        "this connection's certificate does not cover the requested host", bodyPending);
                return;
            }
            case COVERED -> {
                if (http2) {
                    headers.set(HttpHeaderNames.HOST, host); // :authority only, not a second Host a client added
                }
            }
        }
        policy = policies.forHost(host);
        if (policy != null && refusedByPolicy(req, bodyPending)) {
            return;
        }
        pool = PolicySteps.pool(services.router().get(), host, policy);
        if (pool == null) {
            ReferenceCountUtil.release(req);
            services.metrics().increment("proxy.no_route");
            respondError(HttpResponseStatus.NOT_FOUND, "no_route", "no route for host " + host,
                    !full && (declared > 0 || chunked));
            return;
        }

        websocket = !http2 && HeaderRewriter.isWebSocketUpgrade(headers);
        HeaderRewriter.stripHopByHop(headers);
        headers.remove(HttpHeaderNames.EXPECT); // 100-continue was answered by our own codec
        if (http2) {
            removeHttp2Extensions(headers);
        }
        if (websocket) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            headers.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        }
        if (declared >= 0) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, declared);
        } else if (chunked || (http2 && !full)) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        InetAddress client = clientAddress();
        boolean trusted = client != null && services.settings().trustedProxies().contains(client.getHostAddress());
        HeaderRewriter.addForwarding(headers, client, hostOnly(host), localPort, trusted);
        PolicySteps.requestHeaders(headers, policy);
        requestId = headers.get(HeaderRewriter.X_REQUEST_ID);
        outbound = new DefaultHttpRequest(HttpVersion.HTTP_1_1, req.method(), req.uri(), headers);

        if (full) {
            FullHttpRequest f = (FullHttpRequest) req;
            onRequestBody(new io.netty.handler.codec.http.DefaultLastHttpContent(f.content()));
        }
        armRequestTimer();
        server = pool.pick();
        if (server == null) {
            services.metrics().increment("proxy.no_healthy_backend");
            respondError(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_healthy_backend",
                    "no healthy server in pool " + pool.name());
            return;
        }
        connect();
    }

    /** The policy's IP lists and rate limit: true when the request was refused (403 or 429) and answered. */
    private boolean refusedByPolicy(HttpRequest req, boolean bodyPending) {
        long verdict = policy.admit(clientAddress(), System.nanoTime());
        if (verdict == HostPolicy.ALLOWED) {
            return false;
        }
        ReferenceCountUtil.release(req);
        if (verdict == HostPolicy.DENIED) {
            services.metrics().increment("policy.ip_denied");
            respondError(HttpResponseStatus.FORBIDDEN, "ip_denied", "client address not allowed for " + host,
                    bodyPending);
        } else {
            services.metrics().increment("policy.rate_limited");
            retryAfter = PolicySteps.retryAfterSeconds(verdict);
            respondError(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited", "rate limit for " + host,
                    bodyPending);
        }
        return true;
    }

    private void onRequestBody(HttpContent content) {
        bodyBytes += content.content().readableBytes();
        long max = services.settings().maxBodySize();
        if (max > 0 && bodyBytes > max) {
            content.release();
            services.metrics().increment("http.body_too_large");
            requestKeepAlive = false;
            if (responseStarted) {
                closeAll();
            } else {
                respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large", "body exceeds " + max + " bytes");
            }
            return;
        }
        if (content instanceof LastHttpContent) {
            requestDone = true;
        }
        if (backend == null) {
            pendingBody.add(content);
            return;
        }
        writeBody(content);
    }

    private void writeBody(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (content.content().isReadable()) {
            bodySent = true;
        }
        Channel b = backend;
        b.writeAndFlush(content).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                if (b == backend) {
                    b.close();
                }
            } else if (!last && state == State.FORWARDING && b == backend) {
                read();
            }
        });
    }

    private void connect() {
        attempts++;
        if (connectStartNanos == 0) {
            connectStartNanos = System.nanoTime();
        }
        BackendServer target = server;
        target.requestStarted();
        serverCounted = true;
        services.connector().acquire(target, ctx.channel().eventLoop()).addListener(
                (Future<BackendConnector.Lease> f) -> onConnected(target, f));
    }

    private void onConnected(BackendServer target, Future<BackendConnector.Lease> f) {
        if (state != State.FORWARDING || target != server) {
            if (f.isSuccess()) {
                f.getNow().channel().close();
            }
            target.requestEnded();
            return;
        }
        if (!f.isSuccess()) {
            target.requestEnded();
            serverCounted = false;
            pool.ejectAfterConnectFailure(target);
            services.metrics().increment("proxy.backend_connect_failed");
            log.warn("event=backend_connect_failed pool={} backend={} cause={}", pool.name(), target,
                    f.cause().toString());
            upstreamError = describe(f.cause());
            BackendServer next = attempts < MAX_ATTEMPTS ? pool.pick(target) : null;
            if (next != null && next != target) {
                server = next;
                connect();
            } else {
                respondError(HttpResponseStatus.BAD_GATEWAY, "backend_connect",
                        "cannot connect to a backend of pool " + pool.name());
            }
            return;
        }
        BackendConnector.Lease lease = f.getNow();
        backend = lease.channel();
        reused = lease.reused();
        connectNanos = reused && attempts == 1 ? 0 : System.nanoTime() - connectStartNanos;
        BackendHandler.of(backend).attach(this);
        Channel b = backend;
        b.write(outbound);
        if (pendingBody.isEmpty() && requestDone) {
            b.write(LastHttpContent.EMPTY_LAST_CONTENT); // a retry of a request whose (empty) body was sent
        }
        b.flush();
        b.read();
        if (pendingBody.isEmpty()) {
            if (!requestDone) {
                read();
            }
            return;
        }
        while (!pendingBody.isEmpty()) {
            writeBody(pendingBody.poll());
        }
    }

    // ---- response side ------------------------------------------------------------------------

    @Override
    public void onBackendMessage(Object msg) {
        if (state == State.TUNNEL) {
            relayToClient(msg);
            return;
        }
        if (state != State.FORWARDING) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                services.metrics().increment("proxy.backend_bad_response");
                dropBackend();
                respondError(HttpResponseStatus.BAD_GATEWAY, "backend_bad_response", "malformed response from backend");
                return;
            }
            int code = response.status().code();
            if (code >= 100 && code < 200 && !(code == 101 && websocket)) {
                skippingInformational = true; // 100 Continue etc.: we answered Expect ourselves
                ReferenceCountUtil.release(msg);
                backend.read();
                return;
            }
            cancelRequestTimer();
            responseStarted = true;
            status = code;
            ttfbNanos = System.nanoTime() - startNanos;
            responseKeepAlive = HttpUtil.isKeepAlive(response);
            switching = code == 101;
            prepareResponseHeaders(response);
            services.metrics().increment("http.responses." + (code / 100) + "xx");
        } else if (skippingInformational && msg instanceof HttpContent) {
            if (msg instanceof LastHttpContent) {
                skippingInformational = false;
            }
            ReferenceCountUtil.release(msg);
            backend.read();
            return;
        }
        boolean last = msg instanceof LastHttpContent;
        if (msg instanceof HttpContent c) {
            bytesOut += c.content().readableBytes();
        }
        Channel b = backend;
        if (msg instanceof HttpResponse && !last) {
            // headers: no flush of their own; they leave with the body when it came in the same read (one TLS
            // record, one write), else at the end of this event-loop turn, so a slow body never holds them back
            ctx.write(msg).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            ctx.executor().execute(ctx::flush);
            b.read();
            return;
        }
        ctx.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                record("client_closed");
                closeAll();
            } else if (last) {
                exchangeDone();
            } else if (b == backend && b != null) {
                b.read();
            }
        });
    }

    private void prepareResponseHeaders(HttpResponse response) {
        HttpHeaders h = response.headers();
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (switching) {
            return; // keep Connection: Upgrade / Upgrade: websocket
        }
        HeaderRewriter.stripHopByHop(h);
        PolicySteps.responseHeaders(h, policy);
        if (http2) {
            return; // the HTTP/2 codec frames the body itself
        }
        int code = response.status().code();
        boolean bodyless = code == 204 || code == 304 || outbound.method().equals(HttpMethod.HEAD);
        if (!bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        if (!requestKeepAlive || draining) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }

    private void exchangeDone() {
        if (switching && websocket) {
            startTunnel();
            return;
        }
        Channel b = backend;
        if (b != null) {
            BackendHandler.of(b).detach();
            if (responseKeepAlive && requestDone && b.isActive()) {
                services.connector().release(server, b);
            } else {
                b.close();
            }
        }
        backend = null;
        finishAccounting();
        record(null);
        state = State.IDLE;
        if (http2) {
            if (!requestDone) {
                ctx.close(); // reset the stream: the client is still sending a body we did not want
            }
            return;
        }
        if (!requestKeepAlive || !requestDone || draining) {
            ctx.close();
            return;
        }
        nextRequest();
    }

    private void nextRequest() {
        resetExchange();
        HeadTimeoutHandler headTimer = ctx.pipeline().get(HeadTimeoutHandler.class);
        if (headTimer != null) {
            headTimer.awaitNextHead();
        }
        read();
    }

    @Override
    public void onBackendInactive() {
        Channel dead = backend;
        backend = null;
        if (state == State.TUNNEL) {
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (state != State.FORWARDING || dead == null) {
            return;
        }
        if (!responseStarted) {
            if (reused && !bodySent && attempts < MAX_ATTEMPTS) {
                // a pooled keep-alive connection the backend had just closed: safe to replay
                services.metrics().increment("proxy.stale_connection_retry");
                server.requestEnded();
                serverCounted = false;
                connect();
                return;
            }
            services.metrics().increment("proxy.backend_closed_early");
            respondError(HttpResponseStatus.BAD_GATEWAY, "backend_closed_early", "backend closed the connection");
        } else {
            services.metrics().increment("proxy.backend_closed_mid_response");
            record("backend_closed_mid_response");
            closeAll();
        }
    }

    @Override
    public void onBackendIdle() {
        if (state == State.TUNNEL) {
            return; // WebSockets may be quiet for a long time
        }
        if (!responseStarted) {
            services.metrics().increment("proxy.backend_timeout");
            dropBackend();
            respondError(HttpResponseStatus.GATEWAY_TIMEOUT, "backend_timeout", "backend idle");
        } else {
            record("backend_timeout");
            closeAll();
        }
    }

    private void armRequestTimer() {
        long ms = services.settings().requestTimeout().toMillis();
        requestTimer = ctx.executor().schedule(() -> {
            if (state == State.FORWARDING && !responseStarted) {
                services.metrics().increment("proxy.backend_timeout");
                dropBackend();
                respondError(HttpResponseStatus.GATEWAY_TIMEOUT, "backend_timeout",
                        "backend did not answer within " + ms + " ms");
            }
        }, ms, TimeUnit.MILLISECONDS);
    }

    private void cancelRequestTimer() {
        if (requestTimer != null) {
            requestTimer.cancel(false);
            requestTimer = null;
        }
    }

    // ---- WebSocket tunnel ---------------------------------------------------------------------

    private void startTunnel() {
        state = State.TUNNEL;
        finishAccounting();
        // the upgrade's record is written when the tunnel closes, with the tunnel's bytes and duration
        services.metrics().increment("proxy.websocket_tunnels");
        for (Map.Entry<String, io.netty.channel.ChannelHandler> e : ctx.pipeline().toMap().entrySet()) {
            if (e.getValue() != this && isHttpLayer(e.getValue())) {
                ctx.pipeline().remove(e.getValue());
            }
        }
        Channel b = backend;
        if (b == null) {
            ctx.close();
            return;
        }
        b.pipeline().remove(BackendConnector.CODEC);
        b.pipeline().remove(BackendConnector.IDLE);
        b.read();
        read();
    }

    private static boolean isHttpLayer(io.netty.channel.ChannelHandler h) {
        return h instanceof io.netty.handler.codec.http.HttpServerCodec
                || h instanceof io.netty.handler.codec.http.HttpServerExpectContinueHandler
                || h instanceof io.netty.handler.codec.http.HttpServerKeepAliveHandler
                || h instanceof HeadTimeoutHandler
                || h instanceof io.netty.handler.timeout.IdleStateHandler;
    }

    private void relayToBackend(Object msg) {
        Channel b = backend;
        if (!(msg instanceof ByteBuf) || b == null) {
            ReferenceCountUtil.release(msg);
            read();
            return;
        }
        bodyBytes += ((ByteBuf) msg).readableBytes();
        b.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                read();
            } else {
                closeAll();
            }
        });
    }

    private void relayToClient(Object msg) {
        Channel b = backend;
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            if (b != null) {
                b.read();
            }
            return;
        }
        bytesOut += ((ByteBuf) msg).readableBytes();
        ctx.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && b != null) {
                b.read();
            } else {
                closeAll();
            }
        });
    }

    // ---- errors, teardown ---------------------------------------------------------------------

    private void respondError(HttpResponseStatus status, String cause, String detail) {
        respondError(status, cause, detail, !requestDone);
    }

    /**
     * Answers the client ourselves. The connection stays open (HTTP/1.1) only when the rest of the
     * request is known to be empty; otherwise it is closed after the response.
     */
    private void respondError(HttpResponseStatus status, String cause, String detail, boolean bodyPending) {
        cancelRequestTimer();
        dropBackend();
        finishAccounting();
        if (responseStarted) {
            record(cause);
            closeAll();
            return;
        }
        responseStarted = true;
        this.status = status.code();
        boolean close = !http2 && (!requestKeepAlive || bodyPending || draining);
        services.metrics().increment("http.responses." + (status.code() / 100) + "xx");
        log.debug("event=proxy_error status={} host={} detail={}", status.code(), host, detail);
        // a 421's Host has no policy of its own here: the connection's name (SNI) gives the page
        HostPolicy p = policy != null ? policy : policies.forName(sni());
        io.netty.handler.codec.http.FullHttpResponse answer = ErrorResponses.of(ctx.alloc(), status, detail, close, p);
        if (retryAfter > 0) {
            answer.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        bytesOut = answer.content().readableBytes();
        ctx.writeAndFlush(answer).addListener(
                (ChannelFutureListener) f -> {
                    record(cause);
                    if (!f.isSuccess() || close) {
                        ctx.close();
                    } else if (http2) {
                        state = State.IDLE;
                        if (!requestDone) {
                            ctx.close();
                        }
                    } else if (requestDone) {
                        state = State.IDLE;
                        nextRequest();
                    } else {
                        state = State.DISCARDING; // the empty last chunk is still to come
                        read();
                    }
                });
    }

    private void discard(Object msg) {
        boolean last = msg instanceof LastHttpContent;
        ReferenceCountUtil.release(msg);
        if (last) {
            requestDone = true;
            state = State.IDLE;
            nextRequest();
        } else {
            read();
        }
    }

    private void dropBackend() {
        Channel b = backend;
        backend = null;
        if (b != null) {
            BackendHandler.of(b).detach();
            b.close();
        }
    }

    private void finishAccounting() {
        if (serverCounted) {
            server.requestEnded();
            serverCounted = false;
        }
        if (inflightCounted) {
            services.inflight().decrementAndGet();
            inflightCounted = false;
        }
    }

    private void closeAll() {
        if (state == State.TUNNEL) {
            record(null); // the WebSocket's exchange: 101, the tunnel's bytes both ways, its whole duration
        }
        cancelRequestTimer();
        dropBackend();
        finishAccounting();
        state = State.CLOSED;
        ctx.close();
    }

    private void resetExchange() {
        status = 0;
        bytesOut = 0;
        connectStartNanos = 0;
        connectNanos = -1;
        ttfbNanos = -1;
        requestId = null;
        upstreamError = null;
        outbound = null;
        host = null;
        policy = null;
        retryAfter = 0;
        requestDone = false;
        bodySent = false;
        websocket = false;
        bodyBytes = 0;
        releasePending();
        pool = null;
        server = null;
        reused = false;
        attempts = 0;
        responseStarted = false;
        responseKeepAlive = false;
        switching = false;
        skippingInformational = false;
    }

    private void releasePending() {
        HttpContent c;
        while ((c = pendingBody.poll()) != null) {
            c.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.FORWARDING) {
            record("client_closed");
        } else if (state == State.TUNNEL) {
            record(null);
        }
        cancelRequestTimer();
        dropBackend();
        finishAccounting();
        releasePending();
        state = State.CLOSED;
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (state == State.IDLE) {
                services.metrics().increment("http.idle_timeout");
                ctx.close();
            }
            return;
        }
        if (evt == DrainEvent.INSTANCE) {
            draining = true;
            if (state == State.IDLE && !http2) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            services.metrics().increment("http.header_too_large");
        }
        log.debug("event=client_error client={} cause={}", ClientAddress.of(ctx.channel()), cause.toString());
        if (state == State.FORWARDING) {
            record("client_error");
        }
        closeAll();
    }

    /**
     * Hands the exchange's record to the observer, once per exchange (the first end wins: a response
     * completed, an error answered, the connection lost). {@code why} is null when a backend answered.
     */
    private void record(String why) {
        if (recorded || startNanos == 0) {
            return;
        }
        recorded = true;
        ExchangeRecord r = new ExchangeRecord(); // the one place a RequestRecord is built, shared with HTTP/2
        r.startNanos = startNanos;
        r.startEpochMillis = startEpochMillis;
        r.method = method;
        r.uri = uri;
        r.protocol = protocol;
        r.host = host;
        r.pool = pool == null ? null : pool.name();
        r.server = server == null ? null : server.toString();
        r.status = status;
        r.bytesIn = bodyBytes;
        r.bytesOut = bytesOut;
        r.connectNanos = connectNanos;
        r.ttfbNanos = ttfbNanos;
        r.requestId = requestId;
        r.upstreamError = upstreamError;
        r.finish(services, connection(), covered, why);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    private Channel connection() {
        return http2 && ctx.channel().parent() != null ? ctx.channel().parent() : ctx.channel();
    }

    private String sni() {
        Channel ch = http2 && ctx.channel().parent() != null ? ctx.channel().parent() : ctx.channel();
        return ch.attr(TenantSniHandler.SNI).get();
    }

    private InetAddress clientAddress() {
        InetSocketAddress a = ClientAddress.of(ctx.channel());
        return a == null ? null : a.getAddress();
    }

    /** X-Forwarded-Host carries the host the client asked for, without the port (X-Forwarded-Port has that). */
    private static String hostOnly(String hostHeader) {
        return dev.gatehouse.tls.sni.Hostnames.withoutPort(hostHeader);
    }

    private static void removeHttp2Extensions(HttpHeaders headers) {
        Iterator<Map.Entry<String, String>> it = headers.iteratorAsString();
        java.util.List<String> drop = new java.util.ArrayList<>(2);
        while (it.hasNext()) {
            String name = it.next().getKey();
            if (name.regionMatches(true, 0, "x-http2-", 0, 8)) {
                drop.add(name);
            }
        }
        drop.forEach(headers::remove);
    }
}
