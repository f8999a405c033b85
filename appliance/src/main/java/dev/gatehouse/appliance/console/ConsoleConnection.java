package dev.gatehouse.appliance.console;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One console connection, one request at a time, with {@code AUTO_READ} off behind a
 * {@link io.netty.handler.flow.FlowControlHandler} (one HTTP object per {@code read()}):
 *
 * <ol>
 *   <li>head: {@code /ui} and {@code /ui/*} are the web console's static files ({@link StaticUi}), answered
 *       at once from memory, without a token and outside the API table;</li>
 *   <li>head: a client address whose failed authentications emptied its {@link AuthThrottle} bucket
 *       gets 429 for any non-public route, its token unchecked;</li>
 *   <li>{@link Api#preflight} on a worker (token lookup and the audit line are I/O): 401/403/404/405
 *       are answered before a byte of the body is read;</li>
 *   <li>body: read chunk by chunk up to {@code maxBody} (413 beyond, also at once for a
 *       {@code Content-Length} over it); {@code 100 Continue} only after the preflight passed;</li>
 *   <li>{@link Api#handle} on a worker; the response is written and only once it is, the next
 *       request is read. Pipelined requests are therefore answered in order, and a client that does
 *       not read its responses stops being read.</li>
 * </ol>
 *
 * A refusal before the body was read ends the connection ({@code Connection: close}): what the client
 * still sends is discarded, unbuffered, up to {@code lingerBytes} or {@code lingerMillis} so that the
 * client gets to read the refusal, then the connection is closed. Workers come from a bounded pool;
 * when it refuses, the answer is 503 + {@code Retry-After} from the event loop.
 *
 * <p>Confinement: every field is read and written on the channel's event loop only; workers compute
 * an {@link ApiResponse} and hand it back with {@code ctx.executor().execute}.
 *
 * <p>Why one class of some 430 lines: it is one state machine (head, waiting for the preflight, body,
 * discard, done) over fields that only the event loop touches; what does not need that state lives
 * elsewhere ({@link ConsoleResponses}, {@link StaticUi}, {@link AuthThrottle}, the API behind {@link Api}).
 */
final class ConsoleConnection extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConsoleConnection.class);

    /** The request headers the API reads (lower case, as {@link ConsoleApi#handle} takes them). */
    private static final List<CharSequence> API_HEADERS = List.of(HttpHeaderNames.AUTHORIZATION,
            HttpHeaderNames.IF_MATCH, io.netty.util.AsciiString.cached("idempotency-key"));

    /** What the connection needs of the {@link ConsoleApi}, which implements it (an interface so tests can stand in). */
    interface Api {
        ConsoleApi.Access access(String method, String rawPath);

        ApiResponse preflight(String method, String rawPath, String authorization, String client);

        ApiResponse handle(String method, String rawPath, Map<String, List<String>> query, String authorization,
                byte[] body, String client);

        /** With the headers the API reads by lower-case name; stand-ins that only need the bearer keep the above. */
        default ApiResponse handleWithHeaders(String method, String rawPath, Map<String, List<String>> query,
                Map<String, String> headers, byte[] body, String client) {
            return handle(method, rawPath, query, headers.get("authorization"), body, client);
        }
    }

    /**
     * @param maxBody      largest body read (413 beyond)
     * @param lingerBytes  most bytes discarded after an early refusal before closing
     * @param lingerMillis longest wait for the rest of a refused request before closing
     * @param queueBound   the worker queue's bound, for the 503's detail
     */
    record Limits(int maxBody, int lingerBytes, long lingerMillis, int queueBound) {
    }

    /**
     * What every connection of one console server shares.
     *
     * @param workers  the bounded pool that preflights and handlers run on
     * @param throttle failed authentications by client address
     */
    record Shared(Api api, Executor workers, AuthThrottle throttle, Limits limits) {
    }

    private enum State { HEAD, WAITING, BODY, DISCARD, DONE }

    private final Shared shared;

    private boolean started;
    private State state = State.HEAD;
    private HttpRequest head;
    private QueryStringDecoder uri;
    private String client;
    private String throttleKey;
    private boolean keepAlive;
    private boolean lastSeen;
    private boolean closeAfter;
    private ByteArrayOutputStream body;
    private long discarded;
    private ChannelFuture responseWrite;
    private ScheduledFuture<?> linger;

    ConsoleConnection(Shared shared) {
        this.shared = shared;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            firstRead(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        firstRead(ctx);
        ctx.fireChannelActive();
    }

    /** Once: an accepted channel is already active when added, and then also told it is. */
    private void firstRead(ChannelHandlerContext ctx) {
        if (!started) {
            started = true;
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        body = null;
        if (linger != null) {
            linger.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    /**
     * A {@code read()} that produced no whole HTTP object (half a TLS record, half a head) ends here;
     * ask again while this connection waits for input.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == State.HEAD || state == State.BODY || state == State.DISCARD) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            switch (state) {
                case HEAD -> {
                    if (msg instanceof HttpRequest req) {
                        onHead(ctx, req);
                    } else {
                        ctx.read(); // stray content of an already answered request
                    }
                }
                case BODY -> onContent(ctx, (HttpContent) msg);
                case DISCARD -> onDiscard(ctx, msg);
                default -> {
                    // reads are paused in these states; the flow-control handler holds what arrives
                    log.warn("event=console_unexpected_read state={} client={}", state, client);
                    ctx.close();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(ChannelHandlerContext ctx, HttpRequest req) {
        head = req;
        uri = new QueryStringDecoder(req.uri());
        InetAddress address = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        client = address == null ? null : address.getHostAddress();
        throttleKey = AuthThrottle.key(address);
        keepAlive = HttpUtil.isKeepAlive(req);
        lastSeen = req instanceof LastHttpContent;
        if (req.decoderResult().isFailure()) {
            refuse(ctx, ConsoleApi.problem(ApiException.badRequest("malformed-request", null,
                    "malformed HTTP request"), req.uri()), true, null);
            return;
        }
        String method = req.method().name();
        String path = uri.rawPath();
        if (StaticUi.handles(path)) {
            // the web console's files: public, in memory, answered here before the API table
            refuse(ctx, StaticUi.respond(method, path, req.headers().get(HttpHeaderNames.IF_NONE_MATCH)), false);
            return;
        }
        ConsoleApi.Access access = shared.api().access(method, path);
        if (access == ConsoleApi.Access.PUBLIC) {
            afterPreflight(ctx, null);
            return;
        }
        long wait = shared.throttle().retryAfterMillis(throttleKey);
        if (wait > 0) {
            long seconds = Math.max(1, TimeUnit.MILLISECONDS.toSeconds(wait + 999));
            log.debug("event=console_auth_throttled client={} retry_after_s={}", client, seconds);
            refuse(ctx, ConsoleApi.problem(new ApiException(429, "auth-throttled", "Too many requests",
                    "too many failed authentications from this address; retry in " + seconds + " s", null,
                    Map.of("retryAfterSeconds", seconds)), path), false, Long.toString(seconds));
            return;
        }
        String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        state = State.WAITING;
        submit(ctx, () -> shared.api().preflight(method, path, authorization, client), r -> afterPreflight(ctx, r));
    }

    private void afterPreflight(ChannelHandlerContext ctx, ApiResponse refusal) {
        if (refusal != null) {
            if (refusal.status() == 401 && shared.throttle().failed(throttleKey)) {
                log.warn("event=console_auth_throttle_engaged client={} limit={}", client, shared.throttle().limit());
            }
            refuse(ctx, refusal, false, null);
            return;
        }
        long length = HttpUtil.getContentLength(head, -1L);
        if (length > shared.limits().maxBody()) {
            refuse(ctx, tooLarge(), true, null);
            return;
        }
        if (HttpUtil.is100ContinueExpected(head)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        body = new ByteArrayOutputStream(length > 0 ? (int) length : 256);
        state = State.BODY;
        if (lastSeen) {
            dispatch(ctx);
        } else {
            ctx.read();
        }
    }

    private void onContent(ChannelHandlerContext ctx, HttpContent chunk) {
        if (chunk.decoderResult().isFailure()) {
            lastSeen = true; // the decoder discards the rest
            refuse(ctx, ConsoleApi.problem(ApiException.badRequest("malformed-request", null,
                    "malformed HTTP request body"), uri.rawPath()), true, null);
            return;
        }
        lastSeen = chunk instanceof LastHttpContent;
        int n = chunk.content().readableBytes();
        if (body.size() + (long) n > shared.limits().maxBody()) {
            discarded = n;
            refuse(ctx, tooLarge(), true, null);
            return;
        }
        try {
            chunk.content().readBytes(body, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        if (lastSeen) {
            dispatch(ctx);
        } else {
            ctx.read();
        }
    }

    private void dispatch(ChannelHandlerContext ctx) {
        String method = head.method().name();
        String path = uri.rawPath();
        Map<String, List<String>> query;
        try {
            query = uri.parameters();
        } catch (IllegalArgumentException e) {
            respond(ctx, ConsoleApi.problem(ApiException.badRequest("malformed-request", null,
                    "malformed query string (" + e.getMessage() + ")"), path), false, null);
            return;
        }
        Map<String, String> headers = new java.util.HashMap<>();
        for (CharSequence name : API_HEADERS) {
            String v = head.headers().get(name);
            if (v != null) {
                headers.put(name.toString(), v);
            }
        }
        byte[] bytes = body.toByteArray();
        body = null;
        state = State.WAITING;
        submit(ctx, () -> shared.api().handleWithHeaders(method, path, query, headers, bytes, client), r -> {
            if (r.status() == 401) {
                shared.throttle().failed(throttleKey); // a token revoked between preflight and handler
            }
            respond(ctx, r, false, null);
        });
    }

    private void onDiscard(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpContent c) {
            discarded += c.content().readableBytes();
        }
        if (msg instanceof LastHttpContent) {
            lastSeen = true;
            state = State.DONE; // no more reads until the response is out: the next request waits
            afterResponse(ctx);
        } else if (discarded > shared.limits().lingerBytes()) {
            closeAfterWrite();
        } else {
            ctx.read();
        }
    }

    /** Runs {@code work} on a worker and {@code then} with its answer on the event loop; 503 when the pool refuses. */
    private void submit(ChannelHandlerContext ctx, Supplier<ApiResponse> work, Consumer<ApiResponse> then) {
        String who = client;
        String path = uri.rawPath();
        try {
            shared.workers().execute(() -> {
                ApiResponse r;
                try {
                    r = work.get();
                } catch (RuntimeException | Error e) {
                    log.error("event=console_handler_failed client={} path={} cause={}", who, path, e.toString(), e);
                    r = ConsoleApi.problem(new ApiException(500, "internal", "Internal error",
                            "unexpected " + e.getClass().getSimpleName() + "; see the node log", null), path);
                }
                ApiResponse answer = r;
                try {
                    ctx.executor().execute(() -> {
                        if (ctx.channel().isActive()) {
                            then.accept(answer);
                        }
                    });
                } catch (RejectedExecutionException stopping) {
                    log.debug("event=console_answer_dropped client={} cause=event_loop_stopped", who);
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("event=console_busy client={} queue={}", client, shared.limits().queueBound());
            refuse(ctx, ConsoleApi.problem(new ApiException(503, "console-busy", "Service unavailable",
                    "the console has " + shared.limits().queueBound() + " requests waiting; retry in 1 s", null,
                    Map.of("retryAfterSeconds", 1)), uri.rawPath()), false, "1");
        }
    }

    private ApiResponse tooLarge() {
        int max = shared.limits().maxBody();
        return ConsoleApi.problem(new ApiException(413, "body-too-large", "Content too large",
                "request body exceeds " + max + " bytes", null, Map.of("limit", max)), uri.rawPath());
    }

    /**
     * Answers without (all of) the body: the connection ends unless nothing more of the request is
     * to come. {@code retryAfter} is the Retry-After header value, or null.
     */
    private void refuse(ChannelHandlerContext ctx, ApiResponse r, boolean forceClose, String retryAfter) {
        refuse(ctx, ConsoleResponses.render(r, retryAfter), forceClose);
    }

    private void refuse(ChannelHandlerContext ctx, FullHttpResponse resp, boolean forceClose) {
        boolean bodyPending = !lastSeen && (HttpUtil.getContentLength(head, 0L) > 0
                || HttpUtil.isTransferEncodingChunked(head));
        send(ctx, resp, forceClose || bodyPending);
    }

    private void respond(ChannelHandlerContext ctx, ApiResponse r, boolean close, String retryAfter) {
        send(ctx, ConsoleResponses.render(r, retryAfter), close);
    }

    private void send(ChannelHandlerContext ctx, FullHttpResponse resp, boolean close) {
        closeAfter = close || !keepAlive;
        if (closeAfter) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        body = null;
        responseWrite = ctx.writeAndFlush(resp);
        responseWrite.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (lastSeen) {
            state = State.DONE;
            afterResponse(ctx);
        } else if (closeAfter && HttpUtil.is100ContinueExpected(head) && state != State.BODY) {
            closeAfterWrite(); // the client waits for 100 Continue: the body will not come
        } else {
            state = State.DISCARD;
            if (closeAfter) {
                linger = ctx.executor().schedule(() -> ctx.close(), shared.limits().lingerMillis(),
                        TimeUnit.MILLISECONDS);
            }
            ctx.read();
        }
    }

    /** The whole request is in and its response under way: close, or read the next request once it is written. */
    private void afterResponse(ChannelHandlerContext ctx) {
        if (closeAfter) {
            closeAfterWrite();
            return;
        }
        responseWrite.addListener(f -> {
            if (f.isSuccess()) {
                state = State.HEAD;
                head = null;
                uri = null;
                discarded = 0;
                ctx.read();
            }
        });
    }

    private void closeAfterWrite() {
        state = State.DONE;
        responseWrite.addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("event=console_client_error client={} cause={}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
