package dev.gatehouse.tls.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.BackendHandler;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.observe.RequestRecord;
import dev.gatehouse.tls.sni.CoveredNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2WindowUpdateFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Http2ProxyHandler} on frames: HTTP/2 frames in (as Netty's {@code Http2FrameCodec} hands them
 * over), frames out to the client and HTTP/1.1 objects out to a backend connection. The backend is an
 * {@link EmbeddedChannel} ending in the real {@link BackendHandler}; an outbound handler in front of it
 * can hold writes, to show that a DATA frame's window is returned only once its backend write is done.
 */
class Http2ProxyHandlerTest {

    private static final String HOST = "app.tenant-a.test";
    private final EdgeMetrics metrics = new EdgeMetrics();
    private final List<RequestRecord> records = new ArrayList<>();
    private final AtomicInteger inflight = new AtomicInteger();
    private final List<EmbeddedChannel> backendsOpened = new ArrayList<>();
    private final List<Channel> released = new ArrayList<>();
    private final HeldWrites held = new HeldWrites();
    private final AtomicInteger backendReads = new AtomicInteger();
    private boolean holdBackendWrites;
    private Router router = Router.builder()
            .route(HOST, BackendPool.of("app", new BackendServer("127.0.0.1", 1))).build();
    private EmbeddedChannel client;

    @AfterEach
    void close() {
        if (client != null) {
            client.finishAndReleaseAll();
        }
        held.releaseAll();
        backendsOpened.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    // ---- fixtures -----------------------------------------------------------------------------

    private static final class Stream implements Http2FrameStream {
        final int id;
        Http2Stream.State state = Http2Stream.State.OPEN;

        Stream(int id) {
            this.id = id;
        }

        @Override
        public int id() {
            return id;
        }

        @Override
        public Http2Stream.State state() {
            return state;
        }
    }

    /** Holds backend writes and their promises until told to complete them. */
    private static final class HeldWrites extends ChannelOutboundHandlerAdapter {
        final List<Object> msgs = new ArrayList<>();
        final List<ChannelPromise> promises = new ArrayList<>();
        boolean hold;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (hold) {
                msgs.add(msg);
                promises.add(promise);
            } else {
                ctx.write(msg, promise);
            }
        }

        void completeAll() {
            List<ChannelPromise> p = new ArrayList<>(promises);
            msgs.forEach(ReferenceCountUtil::release);
            msgs.clear();
            promises.clear();
            p.forEach(ChannelPromise::setSuccess);
        }

        void releaseAll() {
            msgs.forEach(ReferenceCountUtil::release);
            msgs.clear();
        }
    }

    private final class ReadCounter extends ChannelOutboundHandlerAdapter {
        @Override
        public void read(ChannelHandlerContext ctx) {
            backendReads.incrementAndGet();
            ctx.read();
        }
    }

    private EmbeddedChannel connect(CoveredNames covered) {
        ProxyServices services = new ProxyServices(() -> router, null, ProxySettings.defaults()
                .withMaxBodySize(1000), metrics, inflight, new RequestObserver() {
                    @Override
                    public void onRequest(RequestRecord r) {
                        records.add(r);
                    }
                });
        BackendLeases backends = new BackendLeases() {
            @Override
            public Future<BackendConnector.Lease> acquire(BackendServer server, EventLoop loop) {
                EmbeddedChannel b = holdBackendWrites
                        ? new EmbeddedChannel(new ReadCounter(), held, new BackendHandler())
                        : new EmbeddedChannel(new ReadCounter(), new BackendHandler());
                held.hold = holdBackendWrites;
                b.config().setAutoRead(false);
                backendsOpened.add(b);
                return ImmediateEventExecutor.INSTANCE.newSucceededFuture(new BackendConnector.Lease(b, false));
            }

            @Override
            public void release(BackendServer server, Channel ch) {
                released.add(ch);
            }
        };
        client = new EmbeddedChannel(new Http2ProxyHandler(services, backends, 8443, covered, 0));
        return client;
    }

    private EmbeddedChannel connect() {
        return connect(CoveredNames.of("bundle-1", List.of(HOST)));
    }

    private static Http2Headers get(String authority, String path) {
        Http2Headers h = new DefaultHttp2Headers().method("GET").scheme("https").path(path);
        if (authority != null) {
            h.authority(authority);
        }
        return h;
    }

    private static Http2Headers post(String path, int contentLength) {
        Http2Headers h = new DefaultHttp2Headers().method("POST").scheme("https").path(path).authority(HOST);
        if (contentLength >= 0) {
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        }
        return h;
    }

    private List<Object> clientOut() {
        List<Object> out = new ArrayList<>();
        for (Object o; (o = client.readOutbound()) != null; ) {
            out.add(o);
        }
        return out;
    }

    private static Http2HeadersFrame headersIn(List<Object> frames) {
        return frames.stream().filter(Http2HeadersFrame.class::isInstance).map(Http2HeadersFrame.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError("no HEADERS in " + frames));
    }

    private static String bodyOf(List<Object> frames) {
        StringBuilder s = new StringBuilder();
        for (Object o : frames) {
            if (o instanceof Http2DataFrame d) {
                s.append(d.content().toString(StandardCharsets.UTF_8));
            }
        }
        return s.toString();
    }

    private static void release(List<Object> frames) {
        frames.forEach(ReferenceCountUtil::release);
    }

    /** Checks what the handler wrote to the client, then releases it (also when the check fails). */
    private void withClientOut(Consumer<List<Object>> check) {
        List<Object> out = clientOut();
        try {
            check.accept(out);
        } finally {
            release(out);
        }
    }

    /** The handler answered the client with a response of this {@code :status}. */
    private void assertClientGotStatus(String status) {
        withClientOut(out -> assertThat(headersIn(out).headers().status().toString()).isEqualTo(status));
    }

    private EmbeddedChannel backend() {
        assertThat(backendsOpened).as("backend connections").isNotEmpty();
        return backendsOpened.get(backendsOpened.size() - 1);
    }

    /**
     * A new connection sends {@code GET path} for {@link #HOST} on {@code s}, headers ending the stream;
     * returns the backend connection that request opened, the request already taken from it.
     */
    private EmbeddedChannel getOnBackend(Stream s, String path) {
        connect().writeInbound(new DefaultHttp2HeadersFrame(get(HOST, path), true).stream(s));
        EmbeddedChannel b = backend();
        b.releaseOutbound();
        return b;
    }

    // ---- answers of its own -------------------------------------------------------------------

    @Test
    void answersMisdirectedAuthorityWith421AndRecordsIt() {
        connect().writeInbound(new DefaultHttp2HeadersFrame(get("other.name", "/x?q=1"), true).stream(new Stream(3)));
        withClientOut(out -> {
            assertThat(headersIn(out).headers().status().toString()).isEqualTo("421");
            Object last = out.get(out.size() - 1);
            assertThat(last).isInstanceOf(Http2DataFrame.class);
            assertThat(((Http2DataFrame) last).isEndStream()).isTrue();
            assertThat(bodyOf(out)).startsWith("421 Misdirected Request");
        });
        assertThat(backendsOpened).isEmpty();
        assertThat(metrics.get("http.misdirected")).isEqualTo(1);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(421);
            assertThat(r.cause()).isEqualTo("misdirected");
            assertThat(r.protocol()).isEqualTo("HTTP/2");
            assertThat(r.path()).isEqualTo("/x");
            assertThat(r.query()).isEqualTo("q=1");
            assertThat(r.certificateId()).isEqualTo("bundle-1");
        });
        assertThat(inflight).hasValue(0);
    }

    @Test
    void answersUnroutedHostWith404() {
        router = Router.builder().build();
        connect().writeInbound(new DefaultHttp2HeadersFrame(get(HOST, "/"), true).stream(new Stream(3)));
        assertClientGotStatus("404");
        assertThat(records).singleElement().satisfies(r -> assertThat(r.cause()).isEqualTo("no_route"));
    }

    @Test
    void refusesDeclaredBodyOverTheLimitWith413ThenResetsNoError() {
        Stream s = new Stream(5);
        connect().writeInbound(new DefaultHttp2HeadersFrame(post("/up", 5000), false).stream(s));
        withClientOut(out -> {
            assertThat(headersIn(out).headers().status().toString()).isEqualTo("413");
            assertThat(out.get(out.size() - 1)).isInstanceOfSatisfying(Http2ResetFrame.class,
                    r -> assertThat(r.errorCode()).isEqualTo(Http2Error.NO_ERROR.code()));
        });
        assertThat(records).singleElement().satisfies(r -> assertThat(r.cause()).isEqualTo("body_too_large"));
    }

    @Test
    void resetsExtendedConnectWithProtocolError() {
        Http2Headers h = get(HOST, "/chat").method("CONNECT");
        h.set(":protocol", "websocket");
        connect().writeInbound(new DefaultHttp2HeadersFrame(h, false).stream(new Stream(7)));
        withClientOut(out -> {
            assertThat(out).singleElement().isInstanceOfSatisfying(Http2ResetFrame.class,
                    r -> assertThat(r.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code()));
        });
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.status()).isZero();
            assertThat(r.cause()).isEqualTo("bad_request");
        });
    }

    // ---- forwarding ---------------------------------------------------------------------------

    @Test
    void forwardsRequestAsHttp11WithForwardingHeadersAndRelaysResponseAsFrames() {
        Http2Headers h = get(HOST, "/hello?x=1");
        h.add("x-http2-smuggled", "1");
        h.add("cookie", "a=1");
        h.add("cookie", "b=2");
        Stream s = new Stream(3);
        connect().writeInbound(new DefaultHttp2HeadersFrame(h, true).stream(s));

        EmbeddedChannel b = backend();
        HttpRequest req = b.readOutbound();
        assertThat(req.uri()).isEqualTo("/hello?x=1");
        assertThat(req.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(req.headers().get(HttpHeaderNames.HOST)).isEqualTo(HOST);
        assertThat(req.headers().get("x-forwarded-proto")).isEqualTo("https");
        assertThat(req.headers().get("x-forwarded-port")).isEqualTo("8443");
        assertThat(req.headers().get("x-request-id")).matches("[0-9a-f]{32}");
        assertThat(req.headers().get("cookie")).isEqualTo("a=1; b=2"); // RFC 9113 §8.2.3
        assertThat(req.headers().names()).noneMatch(n -> n.toLowerCase().startsWith("x-http2-"));
        assertThat(req.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)).isFalse();
        LastHttpContent end = b.readOutbound();
        assertThat(end.content().isReadable()).isFalse();
        end.release();

        DefaultHttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, 5).set(HttpHeaderNames.CONNECTION, "keep-alive")
                .set("x-backend", "b1");
        b.writeInbound(resp, new DefaultLastHttpContent(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8)));

        withClientOut(out -> {
            Http2Headers rh = headersIn(out).headers();
            assertThat(rh.status().toString()).isEqualTo("200");
            assertThat(rh.get("x-backend").toString()).isEqualTo("b1");
            assertThat(rh.contains("connection")).isFalse();
            assertThat(bodyOf(out)).isEqualTo("hello");
            assertThat(((Http2DataFrame) out.get(out.size() - 1)).isEndStream()).isTrue();
        });
        assertThat(released).containsExactly(b); // back to the pool for the next stream
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.cause()).isNull();
            assertThat(r.pool()).isEqualTo("app");
            assertThat(r.server()).isEqualTo("127.0.0.1:1");
            assertThat(r.bytesOut()).isEqualTo(5);
            assertThat(r.ttfbNanos()).isPositive();
            assertThat(r.requestId()).matches("[0-9a-f]{32}");
        });
        assertThat(inflight).hasValue(0);
    }

    @Test
    void returnsTheWindowOnlyAfterTheBackendWriteIsDone() {
        holdBackendWrites = true;
        Stream s = new Stream(3);
        connect().writeInbound(new DefaultHttp2HeadersFrame(post("/up", 10), false).stream(s));
        Http2DataFrame data = new DefaultHttp2DataFrame(Unpooled.copiedBuffer("01234", StandardCharsets.US_ASCII),
                false, 7).stream(s);
        int flowControlled = data.initialFlowControlledBytes(); // padding counts too (RFC 9113 §6.1)
        assertThat(flowControlled).isGreaterThan(5);
        client.writeInbound(data);
        assertThat(clientOut()).noneMatch(Http2WindowUpdateFrame.class::isInstance);
        assertThat(held.msgs).hasSize(2); // the head and the first chunk, not yet written

        held.completeAll();
        List<Object> out = clientOut();
        assertThat(out).singleElement().isInstanceOfSatisfying(Http2WindowUpdateFrame.class,
                w -> assertThat(w.windowSizeIncrement()).isEqualTo(flowControlled));
        release(out);
    }

    @Test
    void readsTheBackendAgainOnlyAfterTheClientTookTheChunk() {
        Stream s = new Stream(3);
        EmbeddedChannel b = getOnBackend(s, "/big");
        int reads = backendReads.get();
        HeldWrites clientHold = new HeldWrites();
        clientHold.hold = true;
        client.pipeline().addFirst(clientHold); // the client's window is shut: DATA writes stay pending

        b.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        int afterHead = backendReads.get();
        assertThat(afterHead).isEqualTo(reads + 1); // headers are not flow-controlled
        b.writeInbound(new DefaultHttpContent(Unpooled.copiedBuffer("chunk", StandardCharsets.UTF_8)));
        assertThat(backendReads).as("no read while the chunk is not written").hasValue(afterHead);

        clientHold.completeAll();
        assertThat(backendReads).hasValue(afterHead + 1);
        b.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);
        clientHold.completeAll();
        assertThat(records).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(200));
    }

    @Test
    void clientResetCancelsTheBackendExchange() {
        Stream s = new Stream(3);
        EmbeddedChannel b = getOnBackend(s, "/slow");
        assertThat(b.isActive()).isTrue();
        assertThat(inflight).hasValue(1);

        s.state = Http2Stream.State.CLOSED;
        client.writeInbound(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(s));
        assertThat(b.isActive()).as("backend connection closed, not pooled").isFalse();
        assertThat(released).isEmpty();
        assertThat(inflight).hasValue(0);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.cause()).isEqualTo("client_closed");
            assertThat(r.status()).isZero();
        });
        assertThat(clientOut()).isEmpty(); // nothing is sent on a reset stream
    }

    @Test
    void streamsAreIndependent() {
        Stream a = new Stream(3);
        Stream c = new Stream(5);
        connect().writeInbound(new DefaultHttp2HeadersFrame(get(HOST, "/a"), true).stream(a));
        client.writeInbound(new DefaultHttp2HeadersFrame(get("other.name", "/c"), true).stream(c));
        withClientOut(out -> {
            assertThat(headersIn(out).stream().id()).isEqualTo(5);
            assertThat(headersIn(out).headers().status().toString()).isEqualTo("421");
        });
        EmbeddedChannel b = backend();
        b.releaseOutbound();
        b.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT),
                LastHttpContent.EMPTY_LAST_CONTENT);
        withClientOut(out -> {
            assertThat(headersIn(out).stream().id()).isEqualTo(3);
            assertThat(headersIn(out).headers().status().toString()).isEqualTo("204");
        });
        assertThat(records).extracting(RequestRecord::status).containsExactly(421, 204);
    }

    @Test
    void dropsBodyBeyondTheLimitWhileStreaming() {
        Stream s = new Stream(3);
        connect().writeInbound(new DefaultHttp2HeadersFrame(post("/up", -1), false).stream(s));
        EmbeddedChannel b = backend();
        HttpRequest req = b.readOutbound();
        assertThat(req.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
        ByteBuf big = Unpooled.buffer(1001).writeZero(1001);
        client.writeInbound(new DefaultHttp2DataFrame(big, false).stream(s));
        assertClientGotStatus("413");
        assertThat(b.isActive()).isFalse();
        assertThat(records).singleElement().satisfies(r -> assertThat(r.cause()).isEqualTo("body_too_large"));
        for (Object o; (o = b.readOutbound()) != null; ) {
            ReferenceCountUtil.release(o);
        }
    }

    @Test
    void answersGatewayTimeoutWhenTheBackendDoesNotAnswerInTime() {
        Stream s = new Stream(3);
        EmbeddedChannel b = getOnBackend(s, "/slow");
        client.advanceTimeBy(ProxySettings.defaults().requestTimeout().toMillis() + 1, java.util.concurrent.TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertClientGotStatus("504");
        assertThat(b.isActive()).isFalse();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.cause()).isEqualTo("backend_timeout");
        });
        assertThat(inflight).hasValue(0);
    }

    @Test
    void answersBadGatewayWhenTheBackendClosesBeforeAnswering() {
        Stream s = new Stream(3);
        EmbeddedChannel b = getOnBackend(s, "/");
        b.close(); // a fresh connection (not a pooled one): no retry
        assertClientGotStatus("502");
        assertThat(records).singleElement().satisfies(r -> assertThat(r.cause()).isEqualTo("backend_closed_early"));
    }

    @Test
    void resetsTheStreamWhenTheBackendClosesMidResponse() {
        Stream s = new Stream(3);
        EmbeddedChannel b = getOnBackend(s, "/");
        b.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK),
                new DefaultHttpContent(Unpooled.copiedBuffer("part", StandardCharsets.UTF_8)));
        release(clientOut());
        b.close();
        withClientOut(out -> {
            assertThat(out).singleElement().isInstanceOfSatisfying(Http2ResetFrame.class,
                    r -> assertThat(r.errorCode()).isEqualTo(Http2Error.INTERNAL_ERROR.code()));
        });
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.cause()).isEqualTo("backend_closed_mid_response");
        });
    }
}
