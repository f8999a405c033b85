package dev.gatehouse.tls.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
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
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * The exchange of an HTTP/1.1 connection ({@link ProxyHandler}): the request head checked and
 * rewritten, its body streamed to the backend, the response relayed back, or our own answer. One
 * exchange at a time per connection, so one object serves them all in turn ({@link #reset} between
 * them) and a request costs no exchange object of its own; its {@link ExchangeRecord} is new per
 * exchange, as the observer may keep the record it builds. Also serves one HTTP/2 stream as HTTP
 * objects (a child channel, {@code -Dgatehouse.http2.frameProxy=false}) when {@code http2}.
 *
 * <p>Only the connection's event loop touches it.
 *
 * <p>Why a little over 400 lines: it is one state machine (request head, request body, backend
 * response, keep-alive or close, the next pipelined request), and splitting its states across
 * classes would put a hand-off on the per-request path that this class exists to keep cheap.
 */
final class Http1Exchange extends BackendExchange {

    enum State { IDLE, FORWARDING, DISCARDING, TUNNEL, CLOSED }

    private final ProxyHandler conn;
    private final RequestAdmission admission;
    private final boolean http2;
    private final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    State state = State.IDLE;
    private boolean requestKeepAlive;
    /** The response head said {@code Connection: close}. */
    private boolean closeAnnounced;
    /** The rest of the request (a body) is still to come after its head. */
    private boolean bodyPending;
    private boolean websocket;
    private boolean switching;
    /** A response head was written without a flush, and no write since has flushed it. */
    private boolean headUnflushed;
    // the listeners and the flush of every exchange, made once per connection instead of once per write
    private final Runnable flushHead = this::flushHead;
    private final ChannelFutureListener lastBodyWritten = this::lastBodyWritten;
    private final ChannelFutureListener bodyWritten = this::bodyWritten;
    private final ChannelFutureListener responseWritten = this::responseWritten;

    Http1Exchange(ProxyHandler conn, ProxyServices services, BackendLeases backends, RequestAdmission admission,
            boolean http2) {
        super(conn, services, backends);
        this.conn = conn;
        this.admission = admission;
        this.http2 = http2;
    }

    void bind(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    // ---- request side -------------------------------------------------------------------------

    void onRequest(HttpRequest req) {
        if (state != State.IDLE) {
            ReferenceCountUtil.release(req);
            return;
        }
        reset();
        rec = new ExchangeRecord();
        rec.start(http2 ? "HTTP/2" : req.protocolVersion() == HttpVersion.HTTP_1_0 ? "HTTP/1.0" : "HTTP/1.1");
        rec.method = req.method().name();
        rec.uri = req.uri();
        state = State.FORWARDING;
        countRequest(http2 ? "http.requests.h2" : "http.requests.h1");

        if (!admission.decoded(this, req)) {
            return;
        }
        HttpHeaders headers = req.headers();
        requestKeepAlive = http2 || (HttpUtil.isKeepAlive(req) && !conn.draining());
        boolean full = req instanceof FullHttpRequest;
        long declared = HttpUtil.getContentLength(req, -1L);
        boolean chunked = HttpUtil.isTransferEncodingChunked(req);
        rec.host = headers.get(HttpHeaderNames.HOST);
        if (full && declared < 0 && ((FullHttpRequest) req).content().isReadable()) {
            declared = ((FullHttpRequest) req).content().readableBytes();
        }
        // the rest of the request (body, or the empty last chunk of an HTTP/1.1 GET) is still to come
        bodyPending = !full && (declared > 0 || chunked);
        if (!admission.admit(this, req, http2, declared, conn.connection())) {
            return;
        }
        websocket = !http2 && HeaderRewriter.isWebSocketUpgrade(headers);
        RequestHeads.strip(headers, http2);
        if (websocket) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            headers.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        }
        RequestHeads.frameBody(headers, declared, chunked || (http2 && !full));
        forwardHeaders(headers, clientAddress(), conn.localPort(), conn.trustedClient());
        if (full) {
            // the head goes alone; the body follows as the exchange's last content
            outbound = new DefaultHttpRequest(HttpVersion.HTTP_1_1, req.method(), req.uri(), headers);
            onRequestBody(new DefaultLastHttpContent(((FullHttpRequest) req).content()));
        } else {
            req.setProtocolVersion(HttpVersion.HTTP_1_1); // the decoded head itself, rewritten in place
            outbound = req;
        }
        pickAndConnect();
    }

    void onRequestBody(HttpContent content) {
        rec.bytesIn += content.content().readableBytes();
        long max = services.settings().maxBodySize();
        if (max > 0 && rec.bytesIn > max) {
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
        backend.writeAndFlush(content).addListener(last ? lastBodyWritten : bodyWritten);
    }

    /** A chunk of the body reached the backend connection {@code f.channel()}: the next one may be read. */
    private void bodyWritten(ChannelFuture f) {
        Channel b = f.channel();
        if (!f.isSuccess()) {
            lastBodyWritten(f);
        } else if (state == State.FORWARDING && b == backend) {
            conn.read();
        }
    }

    private void lastBodyWritten(ChannelFuture f) {
        Channel b = f.channel();
        if (!f.isSuccess() && b == backend) {
            b.close();
        }
    }

    @Override
    boolean nothingPending() {
        return pendingBody.isEmpty();
    }

    @Override
    void connected(Channel b) {
        if (pendingBody.isEmpty()) {
            if (!requestDone) {
                conn.read();
            }
            return;
        }
        while (!pendingBody.isEmpty()) {
            writeBody(pendingBody.poll());
        }
    }

    // ---- response relay -----------------------------------------------------------------------

    @Override
    public void onBackendMessage(Object msg) {
        if (state != State.FORWARDING) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (consumedBeforeRelay(msg)) {
            return;
        }
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            switching = code == 101;
            prepareResponseHeaders(response);
            services.metrics().increment(responses(code));
        }
        boolean last = msg instanceof LastHttpContent;
        if (msg instanceof HttpContent c) {
            rec.bytesOut += c.content().readableBytes();
        }
        Channel b = backend;
        if (msg instanceof HttpResponse && !last) {
            // headers: no flush of their own; they leave with the body when it came in the same read (one TLS
            // record, one write), else at the end of this event-loop turn, so a slow body never holds them back
            ctx.write(msg).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            headUnflushed = true;
            ctx.executor().execute(flushHead);
            b.read();
            return;
        }
        headUnflushed = false; // this flush takes the head along
        if (last) {
            ctx.writeAndFlush(msg).addListener(responseWritten);
            return;
        }
        ctx.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                responseWritten(f);
            } else if (b == backend && b != null) {
                b.read();
            }
        });
    }

    /** The end of the turn that wrote a response head: flushes it unless a body's flush already took it. */
    private void flushHead() {
        if (headUnflushed) {
            headUnflushed = false;
            ctx.flush();
        }
    }

    /** The response's last part was written (or the write failed: the client is gone). */
    private void responseWritten(ChannelFuture f) {
        if (!f.isSuccess()) {
            record("client_closed");
            closeAll();
        } else {
            exchangeDone();
        }
    }

    @Override
    boolean relaysInformational(int code) {
        return code == 101 && websocket;
    }

    @Override
    boolean reusesRequestTimer() {
        return true;
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
        if (!requestKeepAlive || conn.draining()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            closeAnnounced = true;
        }
    }

    private void exchangeDone() {
        if (switching && websocket) {
            // the upgrade's record is written when the tunnel closes, with the tunnel's bytes and duration
            state = State.TUNNEL;
            finishAccounting();
            Channel b = backend;
            backend = null;
            conn.startTunnel(b, rec);
            return;
        }
        releaseBackend();
        finishAccounting();
        record(null);
        state = State.IDLE;
        if (http2) {
            if (!requestDone) {
                ctx.close(); // reset the stream: the client is still sending a body we did not want
            }
            return;
        }
        // drained after a keep-alive head went out: the client may send its next request at once, so
        // it gets the drain's grace (and Connection: close) rather than a close under it
        if (!requestKeepAlive || !requestDone || (conn.draining() && closeAnnounced)) {
            ctx.close();
            return;
        }
        conn.nextRequest();
    }

    // ---- our own answers, ends ----------------------------------------------------------------

    @Override
    void refuse(HttpResponseStatus status, String cause, String detail, boolean close) {
        if (close) {
            requestKeepAlive = false;
        }
        respondError(status, cause, detail, bodyPending);
    }

    @Override
    void respondError(HttpResponseStatus status, String cause, String detail) {
        respondError(status, cause, detail, !requestDone);
    }

    /**
     * Answers the client ourselves. The connection stays open (HTTP/1.1) only when the rest of the
     * request is known to be empty; otherwise it is closed after the response.
     */
    private void respondError(HttpResponseStatus status, String cause, String detail, boolean bodyPending) {
        stopAll();
        if (responseStarted) {
            record(cause);
            closeAll();
            return;
        }
        responseStarted = true;
        boolean close = !http2 && (!requestKeepAlive || bodyPending || conn.draining());
        FullHttpResponse answer = errorAnswer(status, detail, close, ctx.alloc(), conn.connection(),
                admission.policies());
        ctx.writeAndFlush(answer).addListener((ChannelFutureListener) f -> {
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
                conn.nextRequest();
            } else {
                state = State.DISCARDING; // the empty last chunk is still to come
                conn.read();
            }
        });
    }

    /** What the client still sends of a request we answered ourselves, up to its end. */
    void discard(Object msg) {
        boolean last = msg instanceof LastHttpContent;
        ReferenceCountUtil.release(msg);
        if (last) {
            requestDone = true;
            state = State.IDLE;
            conn.nextRequest();
        } else {
            conn.read();
        }
    }

    @Override
    void abortResponse(String why, Http2Error error) {
        record(why);
        closeAll();
    }

    void closeAll() {
        stopAll();
        state = State.CLOSED;
        ctx.close();
    }

    /** The client connection closed. */
    void onClientClosed() {
        if (state == State.FORWARDING) {
            record("client_closed");
        }
        stopAll();
        releasePending();
        state = State.CLOSED;
    }

    /**
     * Hands the exchange's record to the observer, once per exchange (the first end wins: a response
     * completed, an error answered, the connection lost). {@code why} is null when a backend answered.
     */
    void record(String why) {
        if (rec != null) {
            rec.finish(services, conn.connection(), admission.covered(), why);
        }
    }

    @Override
    void reset() {
        super.reset();
        requestKeepAlive = false;
        closeAnnounced = false;
        bodyPending = false;
        websocket = false;
        switching = false;
        releasePending();
    }

    void releasePending() {
        HttpContent c;
        while ((c = pendingBody.poll()) != null) {
            c.release();
        }
    }

    @Override
    EventLoop loop() {
        return ctx.channel().eventLoop();
    }

    @Override
    boolean forwarding() {
        return state == State.FORWARDING;
    }

    @Override
    boolean ended() {
        return state == State.CLOSED;
    }
}
