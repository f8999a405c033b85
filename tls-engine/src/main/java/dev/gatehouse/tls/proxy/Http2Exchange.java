package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.net.ClientAddress;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 stream's request forwarded to a backend over HTTP/1.1, and the response back as frames:
 * the per-stream object of {@link Http2ProxyHandler}. Admission is {@link RequestAdmission}'s, the
 * backend side (connect, retries, timeouts, accounting) {@link BackendExchange}'s, as for HTTP/1.1;
 * what is here is the stream: its frames in and out, its resets, one
 * {@link dev.gatehouse.tls.observe.RequestRecord}.
 *
 * <p>Request DATA is written to the backend as it arrives; its bytes go back to the client's window
 * once that write is done (see {@link Http2ProxyHandler}). Until the backend connection is there,
 * DATA waits here, bounded by the stream's window.
 */
final class Http2Exchange extends BackendExchange {

    private static final Logger log = LoggerFactory.getLogger(Http2Exchange.class);
    private static final AsciiString PROTOCOL_PSEUDO_HEADER = AsciiString.cached(":protocol");

    /** A body chunk not yet written to the backend, with the window it holds. */
    private record Chunk(HttpContent content, int window) {
    }

    private final Http2ProxyHandler conn;
    private final Http2FrameStream stream;
    private final ArrayDeque<Chunk> pending = new ArrayDeque<>(2);
    private boolean forwarding;
    /** The response's last frame was written (the stream's close that follows is ours). */
    private boolean lastWritten;
    private boolean done;

    Http2Exchange(Http2ProxyHandler conn, Http2FrameStream stream) {
        super(conn, conn.services, conn.backends);
        this.conn = conn;
        this.stream = stream;
        this.rec = new ExchangeRecord();
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
        countRequest("http.requests.h2");

        HttpRequest req = toRequest(h2);
        if (req == null) {
            return;
        }
        HttpHeaders headers = req.headers();
        long declared = HttpUtil.getContentLength(req, -1L);
        rec.host = headers.get(HttpHeaderNames.HOST);
        if (!conn.admission.admit(this, req, true, declared, conn.connection())) {
            return;
        }
        RequestHeads.strip(headers, true);
        RequestHeads.joinCookies(headers);
        RequestHeads.frameBody(headers, declared, !requestDone);
        forwardHeaders(headers, conn.clientAddress(), conn.localPort, conn.trustedClient());
        outbound = req;
        forwarding = true;
        if (requestDone) {
            pending.add(new Chunk(LastHttpContent.EMPTY_LAST_CONTENT, 0));
        }
        pickAndConnect();
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
                abortResponse("body_too_large", Http2Error.CANCEL);
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
        send(new Chunk(content, window));
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
            RequestHeads.removeHttp2Extensions(last.trailingHeaders());
        } catch (Http2Exception e) {
            last.release();
            services.metrics().increment("http.bad_request");
            log.debug("event=h2_malformed_trailers stream={} detail={}", stream.id(), e.getMessage());
            abortResponse("bad_request", Http2Error.PROTOCOL_ERROR);
            return;
        }
        send(new Chunk(last, 0));
    }

    private void send(Chunk chunk) {
        if (backend == null) {
            pending.add(chunk);
        } else {
            writeBody(chunk);
        }
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

    @Override
    boolean nothingPending() {
        return pending.isEmpty();
    }

    @Override
    void connected(Channel b) {
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
        if (consumedBeforeRelay(msg)) {
            return;
        }
        Channel b = backend;
        if (msg instanceof HttpResponse response) {
            services.metrics().increment(responses(response.status().code()));
            Http2ResponseFrames.writeHead(conn, stream, response, policy)
                    .addListener((ChannelFutureListener) this::abortOnFailure);
            if (!(msg instanceof HttpContent)) {
                // headers leave with the body when it came in the same read, else when the loop flushes
                conn.flush();
                b.read();
                return;
            }
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
            written = Http2ResponseFrames.writeData(conn, stream, body);
        } else {
            lastWritten = true;
            written = Http2ResponseFrames.writeLast(conn, stream, body, ((LastHttpContent) c).trailingHeaders());
        }
        conn.flush();
        written.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                abortResponse("client_closed", Http2Error.CANCEL);
            } else if (last) {
                exchangeDone();
            } else if (b == backend && !done) {
                b.read();
            }
        });
    }

    private void abortOnFailure(ChannelFuture f) {
        if (!f.isSuccess()) {
            abortResponse("client_closed", Http2Error.CANCEL);
        }
    }

    private void exchangeDone() {
        if (done) {
            return;
        }
        releaseBackend();
        end(null);
        if (!requestDone) {
            // the response is complete while the client still sends a body nobody reads (RFC 9113 §8.1)
            conn.reset(stream, Http2Error.NO_ERROR);
        }
    }

    // ---- ends ---------------------------------------------------------------------------------

    @Override
    void refuse(HttpResponseStatus status, String cause, String detail, boolean close) {
        respondError(status, cause, detail); // a stream's end closes nothing else
    }

    /**
     * Answers the stream ourselves: a complete response, then RST_STREAM(NO_ERROR) if the client is
     * still sending a body. When a response was already under way, the stream is reset instead.
     */
    @Override
    void respondError(HttpResponseStatus status, String cause, String detail) {
        stopAll();
        forwarding = false;
        if (responseStarted || done) {
            abortResponse(cause, Http2Error.CANCEL);
            return;
        }
        responseStarted = true;
        lastWritten = true;
        FullHttpResponse answer = errorAnswer(status, detail, false, conn.ctx().alloc(), conn.connection(),
                conn.admission.policies());
        ChannelFuture written = Http2ResponseFrames.writeAnswer(conn, stream, answer);
        conn.flush();
        written.addListener((ChannelFutureListener) f -> {
            end(cause);
            if (f.isSuccess() && !requestDone) {
                conn.reset(stream, Http2Error.NO_ERROR);
            }
        });
    }

    /** Ends the exchange early: the stream is reset with {@code error}. */
    @Override
    void abortResponse(String why, Http2Error error) {
        if (!done) {
            onClientGone(why);
            conn.reset(stream, error);
        }
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
        rec.finish(services, conn.connection(), conn.admission.covered(), why);
        conn.removed(this);
    }

    private void releasePending() {
        Chunk c;
        while ((c = pending.poll()) != null) {
            c.content().release();
        }
    }

    @Override
    EventLoop loop() {
        return conn.connection().eventLoop();
    }

    @Override
    boolean forwarding() {
        return !done && forwarding;
    }

    @Override
    boolean ended() {
        return done;
    }
}
