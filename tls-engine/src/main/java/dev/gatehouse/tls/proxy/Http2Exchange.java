package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.BackendHandler;
import dev.gatehouse.tls.backend.BackendListener;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.net.ClientAddress;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 stream's request forwarded to a backend over HTTP/1.1, and the response back as frames:
 * the per-stream object of {@link Http2ProxyHandler}. It does what {@link ProxyHandler} does for one
 * HTTP/1.1 exchange (authority check, routing, header rewriting, limits, retries, timeouts, one
 * {@link dev.gatehouse.tls.observe.RequestRecord}), on frames instead of a child channel.
 *
 * <p>Request DATA is written to the backend as it arrives; its bytes go back to the client's window
 * once that write is done (see {@link Http2ProxyHandler}). Until the backend connection is there,
 * DATA waits here, bounded by the stream's window.
 */
final class Http2Exchange implements BackendListener {

    private static final Logger log = LoggerFactory.getLogger(Http2Exchange.class);
    private static final int MAX_ATTEMPTS = 3;
    private static final AsciiString PROTOCOL_PSEUDO_HEADER = AsciiString.cached(":protocol");
    /** Counter names by status class, built once rather than per response. */
    private static final String[] RESPONSES = {"http.responses.0xx", "http.responses.1xx", "http.responses.2xx",
        "http.responses.3xx", "http.responses.4xx", "http.responses.5xx"};

    /** A body chunk not yet written to the backend, with the window it holds. */
    private record Chunk(HttpContent content, int window) {
    }

    private final Http2ProxyHandler conn;
    private final ProxyServices services;
    private final Http2FrameStream stream;
    private final ExchangeRecord rec = new ExchangeRecord();
    private final ArrayDeque<Chunk> pending = new ArrayDeque<>(2);

    private HttpRequest outbound;
    /** The Host's policy (null: none), looked up once the Host is known to be covered. */
    private dev.gatehouse.tls.policy.HostPolicy policy;
    /** Seconds for the Retry-After of a 429 this exchange answers. */
    private long retryAfter;
    private BackendPool pool;
    private BackendServer server;
    private Channel backend;
    private ScheduledFuture<?> requestTimer;
    private boolean requestDone;
    private boolean forwarding;
    private boolean bodySent;
    private boolean reused;
    private int attempts;
    private boolean serverCounted;
    private boolean inflightCounted;
    private boolean responseStarted;
    private boolean responseKeepAlive;
    private boolean skippingInformational;
    /** The response's last frame was written (the stream's close that follows is ours). */
    private boolean lastWritten;
    private boolean done;

    Http2Exchange(Http2ProxyHandler conn, Http2FrameStream stream) {
        this.conn = conn;
        this.services = conn.services;
        this.stream = stream;
    }

    int streamId() {
        return stream.id();
    }

    // ---- request side -------------------------------------------------------------------------

    void onRequestHeaders(Http2HeadersFrame frame) {
        Http2Headers h2 = frame.headers();
        rec.start("HTTP/2");
        rec.method = h2.method() == null ? null : h2.method().toString();
        rec.uri = h2.path() == null ? null : h2.path().toString();
        requestDone = frame.isEndStream();
        services.inflight().incrementAndGet();
        inflightCounted = true;
        services.metrics().increment("http.requests.h2");

        HttpRequest req = toRequest(h2);
        if (req == null) {
            return;
        }
        HttpHeaders headers = req.headers();
        long declared = HttpUtil.getContentLength(req, -1L);
        rec.host = headers.get(HttpHeaderNames.HOST);
        long max = services.settings().maxBodySize();
        if (max > 0 && declared > max) {
            services.metrics().increment("http.body_too_large");
            respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                    "body of " + declared + " bytes exceeds " + max);
            return;
        }
        switch (AuthorityCheck.check(conn.covered, req, true)) {
            case MISSING_HOST -> {
                services.metrics().increment("http.missing_host");
                respondError(HttpResponseStatus.BAD_REQUEST, "missing_host", "missing Host header");
                return;
            }
            case DUPLICATE_HOST -> { // not reached for HTTP/2: :authority wins
                services.metrics().increment("http.bad_request");
                respondError(HttpResponseStatus.BAD_REQUEST, "duplicate_host", "more than one Host header");
                return;
            }
            case MISDIRECTED -> {
                services.metrics().increment("http.misdirected");
                if (log.isDebugEnabled()) {
                    log.debug("event=misdirected_request host={} uri={} bundle={} client={}", rec.host, rec.uri,
                            conn.covered == null ? null : conn.covered.bundleId(), ClientAddress.of(conn.connection()));
                }
                respondError(HttpResponseStatus.MISDIRECTED_REQUEST, "misdirected",
                        "this connection's certificate does not cover the requested host");
                return;
            }
            case COVERED -> headers.set(HttpHeaderNames.HOST, rec.host); // :authority only
        }
        policy = conn.policies.forHost(rec.host);
        if (policy != null && refusedByPolicy()) {
            return;
        }
        pool = PolicySteps.pool(services.router().get(), rec.host, policy);
        if (pool == null) {
            services.metrics().increment("proxy.no_route");
            respondError(HttpResponseStatus.NOT_FOUND, "no_route", "no route for host " + rec.host);
            return;
        }
        rec.pool = pool.name();
        HeaderRewriter.stripHopByHop(headers);
        headers.remove(HttpHeaderNames.EXPECT);
        removeHttp2Extensions(headers);
        joinCookies(headers);
        if (declared >= 0) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, declared);
        } else if (!requestDone) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        HeaderRewriter.addForwarding(headers, conn.clientAddress(), dev.gatehouse.tls.sni.Hostnames.withoutPort(rec.host),
                conn.localPort, conn.trustedClient());
        PolicySteps.requestHeaders(headers, policy);
        rec.requestId = headers.get(HeaderRewriter.X_REQUEST_ID);
        outbound = req;
        forwarding = true;
        if (requestDone) {
            pending.add(new Chunk(LastHttpContent.EMPTY_LAST_CONTENT, 0));
        }
        armRequestTimer();
        server = pool.pick();
        if (server == null) {
            services.metrics().increment("proxy.no_healthy_backend");
            respondError(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_healthy_backend",
                    "no healthy server in pool " + pool.name());
            return;
        }
        rec.server = server.toString();
        connect();
    }

    /** The policy's IP lists and rate limit: true when the request was refused (403 or 429) and answered. */
    private boolean refusedByPolicy() {
        long verdict = policy.admit(conn.clientAddress(), System.nanoTime());
        if (verdict == dev.gatehouse.tls.policy.HostPolicy.ALLOWED) {
            return false;
        }
        if (verdict == dev.gatehouse.tls.policy.HostPolicy.DENIED) {
            services.metrics().increment("policy.ip_denied");
            respondError(HttpResponseStatus.FORBIDDEN, "ip_denied", "client address not allowed for " + rec.host);
        } else {
            services.metrics().increment("policy.rate_limited");
            retryAfter = PolicySteps.retryAfterSeconds(verdict);
            respondError(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited", "rate limit for " + rec.host);
        }
        return true;
    }

    /**
     * The request as HTTP/1.1, or null when it is malformed (RFC 9113 §8.1.1): then the stream is reset
     * with PROTOCOL_ERROR. The codec has checked the pseudo-headers that must be there; what it leaves
     * to us is {@code :protocol} (extended CONNECT, RFC 8441, which we do not offer) and CONNECT, which
     * a reverse proxy does not tunnel.
     */
    private HttpRequest toRequest(Http2Headers h2) {
        if (h2.contains(PROTOCOL_PSEUDO_HEADER)) {
            malformed("extended CONNECT not enabled (RFC 8441 §3)");
            return null;
        }
        if (h2.method() != null && HttpMethod.CONNECT.asciiName().contentEquals(h2.method())) {
            services.metrics().increment("http.bad_request");
            respondError(HttpResponseStatus.METHOD_NOT_ALLOWED, "bad_request", "CONNECT is not supported");
            return null;
        }
        try {
            return HttpConversionUtil.toHttpRequest(stream.id(), h2, true);
        } catch (Http2Exception | RuntimeException e) {
            malformed(e.getMessage());
            return null;
        }
    }

    private void malformed(String detail) {
        services.metrics().increment("http.bad_request");
        log.debug("event=h2_malformed_request client={} stream={} detail={}", ClientAddress.of(conn.connection()),
                stream.id(), detail);
        end("bad_request");
        conn.reset(stream, Http2Error.PROTOCOL_ERROR);
    }

    void onRequestData(Http2DataFrame frame) {
        int window = frame.initialFlowControlledBytes();
        ByteBuf data = frame.content();
        boolean last = frame.isEndStream();
        if (done || !forwarding) {
            // answered already (or being answered): drop what the client still sends
            frame.release();
            conn.returnWindow(stream, window);
            return;
        }
        rec.bytesIn += data.readableBytes();
        long max = services.settings().maxBodySize();
        if (max > 0 && rec.bytesIn > max) {
            frame.release();
            conn.returnWindow(stream, window);
            services.metrics().increment("http.body_too_large");
            if (responseStarted) {
                abort("body_too_large", Http2Error.CANCEL);
            } else {
                respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                        "body exceeds " + max + " bytes");
            }
            return;
        }
        if (last) {
            requestDone = true;
        }
        HttpContent content = last ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data);
        Chunk chunk = new Chunk(content, window);
        if (backend == null) {
            pending.add(chunk);
        } else {
            writeBody(chunk);
        }
    }

    /** Trailers from the client: forwarded in the body's last chunk. */
    void onTrailers(Http2HeadersFrame frame) {
        if (done || !forwarding) {
            return;
        }
        requestDone = true;
        LastHttpContent last = new DefaultLastHttpContent();
        try {
            HttpConversionUtil.addHttp2ToHttpHeaders(stream.id(), frame.headers(), last.trailingHeaders(),
                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1, true, true);
            removeHttp2Extensions(last.trailingHeaders());
        } catch (Http2Exception e) {
            last.release();
            malformedAfterStart(e.getMessage());
            return;
        }
        Chunk chunk = new Chunk(last, 0);
        if (backend == null) {
            pending.add(chunk);
        } else {
            writeBody(chunk);
        }
    }

    private void malformedAfterStart(String detail) {
        services.metrics().increment("http.bad_request");
        log.debug("event=h2_malformed_trailers stream={} detail={}", stream.id(), detail);
        abort("bad_request", Http2Error.PROTOCOL_ERROR);
    }

    private void writeBody(Chunk chunk) {
        HttpContent content = chunk.content();
        if (content.content().isReadable()) {
            bodySent = true;
        }
        Channel b = backend;
        int window = chunk.window();
        b.writeAndFlush(content).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                if (b == backend) {
                    b.close(); // onBackendInactive decides: retry, 502, or reset
                }
            } else if (!done) {
                conn.returnWindow(stream, window);
            }
        });
    }

    private void connect() {
        attempts++;
        if (rec.connectStartNanos == 0) {
            rec.connectStartNanos = System.nanoTime();
        }
        BackendServer target = server;
        target.requestStarted();
        serverCounted = true;
        conn.backends.acquire(target, conn.connection().eventLoop()).addListener(
                (Future<BackendConnector.Lease> f) -> onConnected(target, f));
    }

    private void onConnected(BackendServer target, Future<BackendConnector.Lease> f) {
        if (done || target != server) {
            if (f.isSuccess()) {
                f.getNow().channel().close();
            }
            return;
        }
        if (!f.isSuccess()) {
            target.requestEnded();
            serverCounted = false;
            pool.ejectAfterConnectFailure(target);
            services.metrics().increment("proxy.backend_connect_failed");
            log.warn("event=backend_connect_failed pool={} backend={} cause={}", pool.name(), target,
                    f.cause().toString());
            rec.upstreamError = describe(f.cause());
            BackendServer next = attempts < MAX_ATTEMPTS ? pool.pick(target) : null;
            if (next != null && next != target) {
                server = next;
                rec.server = next.toString();
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
        rec.connectNanos = reused && attempts == 1 ? 0 : System.nanoTime() - rec.connectStartNanos;
        BackendHandler.of(backend).attach(this);
        Channel b = backend;
        b.write(outbound); // a retry sends the same head again

        if (pending.isEmpty() && requestDone) {
            b.write(LastHttpContent.EMPTY_LAST_CONTENT); // a retry of a request whose (empty) body was sent
        }
        b.flush();
        b.read();
        while (!pending.isEmpty() && backend == b) {
            writeBody(pending.poll());
        }
    }

    // ---- response side ------------------------------------------------------------------------

    @Override
    public void onBackendMessage(Object msg) {
        if (done || !forwarding) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Channel b = backend;
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                services.metrics().increment("proxy.backend_bad_response");
                dropBackend();
                respondError(HttpResponseStatus.BAD_GATEWAY, "backend_bad_response", "malformed response from backend");
                return;
            }
            int code = response.status().code();
            if (code >= 100 && code < 200) {
                skippingInformational = true; // 100 Continue etc.: Expect was not forwarded
                ReferenceCountUtil.release(msg);
                b.read();
                return;
            }
            cancelRequestTimer();
            responseStarted = true;
            rec.status = code;
            rec.ttfbNanos = System.nanoTime() - rec.startNanos;
            responseKeepAlive = HttpUtil.isKeepAlive(response);
            HeaderRewriter.stripHopByHop(response.headers());
            PolicySteps.responseHeaders(response.headers(), policy);
            services.metrics().increment(responses(code));
            Http2Headers h2 = HttpConversionUtil.toHttp2Headers(response, true);
            if (!(msg instanceof HttpContent)) {
                // headers leave with the body when it came in the same read, else when the loop flushes
                conn.write(new DefaultHttp2HeadersFrame(h2, false).stream(stream)).addListener((ChannelFutureListener) this::abortOnFailure);
                conn.flush();
                b.read();
                return;
            }
            conn.write(new DefaultHttp2HeadersFrame(h2, false).stream(stream)).addListener((ChannelFutureListener) this::abortOnFailure);
        } else if (skippingInformational && msg instanceof HttpContent) {
            if (msg instanceof LastHttpContent) {
                skippingInformational = false;
            }
            ReferenceCountUtil.release(msg);
            b.read();
            return;
        }
        if (!(msg instanceof HttpContent c)) {
            ReferenceCountUtil.release(msg);
            b.read();
            return;
        }
        ByteBuf body = c.content();
        rec.bytesOut += body.readableBytes();
        boolean last = c instanceof LastHttpContent;
        ChannelFuture written;
        if (!last) {
            if (!body.isReadable()) {
                c.release();
                b.read();
                return;
            }
            written = conn.write(new DefaultHttp2DataFrame(body, false).stream(stream));
        } else {
            lastWritten = true;
            HttpHeaders trailers = ((LastHttpContent) c).trailingHeaders();
            if (trailers.isEmpty()) {
                written = conn.write(new DefaultHttp2DataFrame(body, true).stream(stream));
            } else {
                if (body.isReadable()) {
                    conn.write(new DefaultHttp2DataFrame(body, false).stream(stream));
                } else {
                    body.release();
                }
                written = conn.write(new DefaultHttp2HeadersFrame(
                        HttpConversionUtil.toHttp2Headers(trailers, true), true).stream(stream));
            }
        }
        conn.flush();
        written.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                abort("client_closed", Http2Error.CANCEL);
            } else if (last) {
                exchangeDone();
            } else if (b == backend && !done) {
                b.read();
            }
        });
    }

    private void abortOnFailure(ChannelFuture f) {
        if (!f.isSuccess()) {
            abort("client_closed", Http2Error.CANCEL);
        }
    }

    private void exchangeDone() {
        if (done) {
            return;
        }
        Channel b = backend;
        backend = null;
        if (b != null) {
            BackendHandler.of(b).detach();
            if (responseKeepAlive && requestDone && b.isActive()) {
                conn.backends.release(server, b);
            } else {
                b.close();
            }
        }
        end(null);
        if (!requestDone) {
            // the response is complete while the client still sends a body nobody reads (RFC 9113 §8.1)
            conn.reset(stream, Http2Error.NO_ERROR);
        }
    }

    @Override
    public void onBackendInactive() {
        Channel dead = backend;
        backend = null;
        if (done || !forwarding || dead == null) {
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
            abort("backend_closed_mid_response", Http2Error.INTERNAL_ERROR);
        }
    }

    @Override
    public void onBackendIdle() {
        if (done) {
            return;
        }
        if (!responseStarted) {
            services.metrics().increment("proxy.backend_timeout");
            dropBackend();
            respondError(HttpResponseStatus.GATEWAY_TIMEOUT, "backend_timeout", "backend idle");
        } else {
            abort("backend_timeout", Http2Error.CANCEL);
        }
    }

    private void armRequestTimer() {
        long ms = services.settings().requestTimeout().toMillis();
        requestTimer = conn.connection().eventLoop().schedule(() -> {
            if (!done && forwarding && !responseStarted) {
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

    // ---- ends ---------------------------------------------------------------------------------

    /**
     * Answers the stream ourselves: a complete response, then RST_STREAM(NO_ERROR) if the client is
     * still sending a body. When a response was already under way, the stream is reset instead.
     */
    private void respondError(HttpResponseStatus status, String cause, String detail) {
        cancelRequestTimer();
        dropBackend();
        finishAccounting();
        forwarding = false;
        if (responseStarted || done) {
            abort(cause, Http2Error.CANCEL);
            return;
        }
        responseStarted = true;
        lastWritten = true;
        rec.status = status.code();
        services.metrics().increment(responses(status.code()));
        log.debug("event=proxy_error status={} host={} detail={}", status.code(), rec.host, detail);
        // a 421's Host has no policy of its own here: the connection's name (SNI) gives the page
        dev.gatehouse.tls.policy.HostPolicy p = policy != null ? policy
                : conn.policies.forName(conn.connection().attr(dev.gatehouse.tls.sni.TenantSniHandler.SNI).get());
        FullHttpResponse answer = ErrorResponses.of(conn.ctx().alloc(), status, detail, false, p);
        if (retryAfter > 0) {
            answer.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        rec.bytesOut = answer.content().readableBytes();
        Http2Headers h2 = HttpConversionUtil.toHttp2Headers(answer, true);
        conn.write(new DefaultHttp2HeadersFrame(h2, false).stream(stream));
        ChannelFuture written = conn.write(new DefaultHttp2DataFrame(answer.content(), true).stream(stream));
        conn.flush();
        written.addListener((ChannelFutureListener) f -> {
            end(cause);
            if (f.isSuccess() && !requestDone) {
                conn.reset(stream, Http2Error.NO_ERROR);
            }
        });
    }

    /** Ends the exchange early: the stream is reset with {@code error}. */
    private void abort(String why, Http2Error error) {
        if (done) {
            return;
        }
        cancelRequestTimer();
        dropBackend();
        end(why);
        conn.reset(stream, error);
    }

    /** The client reset the stream, or the connection is gone. */
    void onClientGone(String why) {
        if (done) {
            return;
        }
        cancelRequestTimer();
        dropBackend();
        end(why);
    }

    /** The codec closed the stream; unless that was our own last frame, the exchange is cut short. */
    void onStreamClosed() {
        if (!lastWritten) {
            onClientGone("client_closed");
        }
    }

    private void end(String why) {
        if (done) {
            return;
        }
        done = true;
        forwarding = false;
        cancelRequestTimer();
        finishAccounting();
        releasePending();
        rec.finish(services, conn.connection(), conn.covered, why);
        conn.removed(this);
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

    private void releasePending() {
        Chunk c;
        while ((c = pending.poll()) != null) {
            c.content().release();
        }
    }

    private static String responses(int code) {
        int c = code / 100;
        return c >= 0 && c < RESPONSES.length ? RESPONSES[c] : "http.responses." + c + "xx";
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
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

    /** Drops the {@code x-http2-*} headers Netty's conversion adds, and any a client sent. */
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
