package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.BackendHandler;
import dev.gatehouse.tls.backend.BackendListener;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.policy.ConnectionPolicy;
import dev.gatehouse.tls.policy.HostPolicy;
import dev.gatehouse.tls.sni.TenantSniHandler;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exchange's backend side, the same whichever protocol the client speaks: the connection to a
 * server of the pool (with up to {@link #MAX_ATTEMPTS} attempts on connect failures and on a pooled
 * connection the backend had just closed), the request timeout, the response head's accounting, and
 * what is counted while the exchange runs (in flight, the server's outstanding requests). The client
 * side is the subclass's: {@link Http1Exchange} (HTTP/1.1, one exchange at a time per connection, the
 * object reused) and {@link Http2Exchange} (one per HTTP/2 stream). Admission (limits, authority,
 * policy, route) is {@link RequestAdmission}'s, which calls {@link #refuse} when it says no.
 *
 * <p>Only the client connection's event loop touches an exchange; every field has that one writer.
 *
 * <p>Why a little over 400 lines: it holds everything both protocols share about one exchange with a
 * backend (lease, connect, retry, deadlines, relaying the response, the record for the observer), so
 * that each subclass keeps only its client side.
 */
abstract class BackendExchange implements BackendListener {

    static final int MAX_ATTEMPTS = 3;
    private static final Logger log = LoggerFactory.getLogger(BackendExchange.class);
    /** Counter names by status class, built once rather than per response. */
    private static final String[] RESPONSES = {"http.responses.0xx", "http.responses.1xx", "http.responses.2xx",
        "http.responses.3xx", "http.responses.4xx", "http.responses.5xx"};

    final ProxyServices services;
    final BackendLeases backends;
    private final FrontHandler front;
    /** What the exchange's record will say; finished once per exchange. */
    ExchangeRecord rec;
    /** The request head as it goes to the backend (a retry sends it again). */
    HttpRequest outbound;
    /** The Host's policy (null: none), looked up once the Host is known to be covered. */
    HostPolicy policy;
    /** Seconds for the Retry-After of a 429 this exchange answers. */
    long retryAfter;
    BackendPool pool;
    BackendServer server;
    Channel backend;
    boolean requestDone;
    boolean bodySent;
    boolean responseStarted;
    boolean responseKeepAlive;
    private ScheduledFuture<?> requestTimer;
    /** When the request times out (the event loop's {@code ticker()}); meaningful while {@code requestTimed}. */
    private long requestDeadline;
    private boolean requestTimed;
    private final Runnable requestTimeout = this::requestTimerFired;
    private boolean reused;
    private int attempts;
    private boolean serverCounted;
    private boolean inflightCounted;
    private boolean skippingInformational;

    BackendExchange(FrontHandler front, ProxyServices services, BackendLeases backends) {
        this.front = front;
        this.services = services;
        this.backends = backends;
    }

    // ---- what the protocol side provides ------------------------------------------------------

    /** The client connection's event loop (backend connections and timers run on it). */
    abstract EventLoop loop();

    /** The client's TCP connection (for an HTTP/2 stream, the connection it runs on). */
    Channel connection() {
        return front.connection();
    }

    /** The client's address (the PROXY header's source when there was one). */
    InetAddress clientAddress() {
        return front.clientAddress();
    }

    /** True while the request is being forwarded and the exchange has not ended. */
    abstract boolean forwarding();

    /** True once the exchange has ended (its record written). */
    abstract boolean ended();

    /** Answers the client ourselves ({@code detail} for the log and the page). */
    abstract void respondError(HttpResponseStatus status, String cause, String detail);

    /**
     * Admission said no: answers {@code status}. {@code close}: the request must not be followed on
     * this connection (its body is larger than allowed).
     */
    abstract void refuse(HttpResponseStatus status, String cause, String detail, boolean close);

    /** Ends an exchange whose response is under way: the client connection or stream is cut. */
    abstract void abortResponse(String why, Http2Error error);

    /** True when the request body waiting for the backend connection is empty. */
    abstract boolean nothingPending();

    /** The backend connection is there and the head was written: the body (waiting, or still to come). */
    abstract void connected(Channel b);

    /** Whether an informational response ({@code 1xx}) goes to the client rather than being skipped. */
    boolean relaysInformational(int code) {
        return false;
    }

    /**
     * True for an object that serves one exchange after another ({@link Http1Exchange}): its request
     * timer stays scheduled when a response starts, and the next exchange's deadline re-arms it when it
     * fires, instead of a timer scheduled and cancelled for every request (IdleStateHandler's trick).
     * False (one exchange per object) cancels the timer, so that it does not hold the exchange.
     */
    boolean reusesRequestTimer() {
        return false;
    }

    // ---- the start of an exchange -------------------------------------------------------------

    /** Counts the exchange in flight and in the protocol's request counter. */
    final void countRequest(String counter) {
        services.inflight().incrementAndGet();
        inflightCounted = true;
        services.metrics().increment(counter);
    }

    /** The last steps of the head to the backend: forwarding headers, the policy's, the request id kept. */
    final void forwardHeaders(HttpHeaders headers, InetAddress client, int localPort, boolean trusted) {
        HeaderRewriter.addForwarding(headers, client, dev.gatehouse.tls.sni.Hostnames.withoutPort(rec.host),
                localPort, trusted);
        PolicySteps.requestHeaders(headers, policy);
        rec.requestId = headers.get(HeaderRewriter.X_REQUEST_ID);
    }

    /** Arms the request timeout, picks a server and connects; 503 when the pool has no healthy server. */
    final void pickAndConnect() {
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

    private void connect() {
        attempts++;
        if (rec.connectStartNanos == 0) {
            rec.connectStartNanos = System.nanoTime();
        }
        BackendServer target = server;
        target.requestStarted();
        serverCounted = true;
        backends.acquire(target, connection(), pool.proxyProtocol()).addListener(
                (Future<BackendConnector.Lease> f) -> onConnected(target, f));
    }

    private void onConnected(BackendServer target, Future<BackendConnector.Lease> f) {
        if (!forwarding() || target != server) {
            // the exchange ended meanwhile, and counted the server's request as ended then
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
        Channel b = lease.channel();
        backend = b;
        reused = lease.reused();
        rec.connectNanos = reused && attempts == 1 ? 0 : System.nanoTime() - rec.connectStartNanos;
        BackendHandler.of(b).attach(this);
        b.write(outbound); // a retry sends the same head again
        if (nothingPending() && requestDone) {
            b.write(LastHttpContent.EMPTY_LAST_CONTENT); // a retry of a request whose (empty) body was sent
        }
        b.flush();
        b.read();
        connected(b);
    }

    // ---- the backend's side of the response ---------------------------------------------------

    /**
     * What comes before relaying a backend message: a malformed head is answered 502, informational
     * responses are skipped (Expect was answered by us), and a final head starts the response (its
     * status, time to first byte, keep-alive). True when {@code msg} was consumed here.
     */
    final boolean consumedBeforeRelay(Object msg) {
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                services.metrics().increment("proxy.backend_bad_response");
                dropBackend();
                respondError(HttpResponseStatus.BAD_GATEWAY, "backend_bad_response", "malformed response from backend");
                return true;
            }
            int code = response.status().code();
            if (code >= 100 && code < 200 && !relaysInformational(code)) {
                skippingInformational = true;
                ReferenceCountUtil.release(msg);
                backend.read();
                return true;
            }
            if (reusesRequestTimer()) {
                requestTimed = false; // the timer, when it fires, finds no deadline (or the next exchange's)
            } else {
                cancelRequestTimer();
            }
            responseStarted = true;
            rec.status = code;
            rec.ttfbNanos = System.nanoTime() - rec.startNanos;
            responseKeepAlive = HttpUtil.isKeepAlive(response);
            return false;
        }
        if (skippingInformational && msg instanceof HttpContent) {
            if (msg instanceof LastHttpContent) {
                skippingInformational = false;
            }
            ReferenceCountUtil.release(msg);
            backend.read();
            return true;
        }
        return false;
    }

    @Override
    public void onBackendInactive() {
        Channel dead = backend;
        backend = null;
        if (!forwarding() || dead == null) {
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
            abortResponse("backend_closed_mid_response", Http2Error.INTERNAL_ERROR);
        }
    }

    @Override
    public void onBackendIdle() {
        if (ended()) {
            return;
        }
        if (!responseStarted) {
            services.metrics().increment("proxy.backend_timeout");
            dropBackend();
            respondError(HttpResponseStatus.GATEWAY_TIMEOUT, "backend_timeout", "backend idle");
        } else {
            abortResponse("backend_timeout", Http2Error.CANCEL);
        }
    }

    /** The response is complete: the backend connection goes back to the pool when both sides allow it. */
    final void releaseBackend() {
        Channel b = backend;
        backend = null;
        if (b != null) {
            BackendHandler.of(b).detach();
            if (responseKeepAlive && requestDone && b.isActive()) {
                backends.release(server, b);
            } else {
                b.close();
            }
        }
    }

    // ---- timers, accounting, our own answers --------------------------------------------------

    private void armRequestTimer() {
        long ms = services.settings().requestTimeout().toMillis();
        requestDeadline = loop().ticker().nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        requestTimed = true;
        if (requestTimer == null) {
            requestTimer = loop().schedule(requestTimeout, ms, TimeUnit.MILLISECONDS);
        }
    }

    private void requestTimerFired() {
        requestTimer = null;
        if (!requestTimed) {
            return;
        }
        long left = requestDeadline - loop().ticker().nanoTime();
        if (left > 0) { // a later exchange's deadline (a reused timer)
            requestTimer = loop().schedule(requestTimeout, left, TimeUnit.NANOSECONDS);
            return;
        }
        requestTimed = false;
        if (forwarding() && !responseStarted) {
            long ms = services.settings().requestTimeout().toMillis();
            services.metrics().increment("proxy.backend_timeout");
            dropBackend();
            respondError(HttpResponseStatus.GATEWAY_TIMEOUT, "backend_timeout",
                    "backend did not answer within " + ms + " ms");
        }
    }

    final void cancelRequestTimer() {
        requestTimed = false;
        if (requestTimer != null) {
            requestTimer.cancel(false);
            requestTimer = null;
        }
    }

    final void dropBackend() {
        Channel b = backend;
        backend = null;
        if (b != null) {
            BackendHandler.of(b).detach();
            b.close();
        }
    }

    final void finishAccounting() {
        if (serverCounted) {
            server.requestEnded();
            serverCounted = false;
        }
        if (inflightCounted) {
            services.inflight().decrementAndGet();
            inflightCounted = false;
        }
    }

    /** The first steps of every ending: no timer, no backend, nothing counted any more. */
    final void stopAll() {
        cancelRequestTimer();
        dropBackend();
        finishAccounting();
    }

    /**
     * Our own answer, counted and logged: the policy's page for the Host, else the one for the
     * connection's name (a 421's Host has no policy of its own here), with Retry-After for a 429.
     */
    final FullHttpResponse errorAnswer(HttpResponseStatus status, String detail, boolean close,
            ByteBufAllocator alloc, Channel connection, ConnectionPolicy policies) {
        rec.status = status.code();
        services.metrics().increment(responses(status.code()));
        log.debug("event=proxy_error status={} host={} detail={}", status.code(), rec.host, detail);
        HostPolicy p = policy != null ? policy : policies.forName(connection.attr(TenantSniHandler.SNI).get());
        FullHttpResponse answer = ErrorResponses.of(alloc, status, detail, close, p);
        if (retryAfter > 0) {
            answer.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        rec.bytesOut = answer.content().readableBytes();
        return answer;
    }

    /** Clears the per-exchange state (for an object serving one exchange after another). */
    void reset() {
        outbound = null;
        policy = null;
        retryAfter = 0;
        pool = null;
        server = null;
        requestDone = false;
        bodySent = false;
        responseStarted = false;
        responseKeepAlive = false;
        reused = false;
        attempts = 0;
        skippingInformational = false;
    }

    static String responses(int code) {
        int c = code / 100;
        return c >= 0 && c < RESPONSES.length ? RESPONSES[c] : "http.responses." + c + "xx";
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
