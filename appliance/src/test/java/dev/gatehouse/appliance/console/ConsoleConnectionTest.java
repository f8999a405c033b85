package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ConsoleConnection} behind the real codec and flow-control handler, fed raw bytes on an
 * {@link EmbeddedChannel}; the worker pool is a queue the test drains by hand, so it decides when
 * each handler "finishes".
 */
class ConsoleConnectionTest {

    private static final String GOOD = "Bearer good";
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3})");

    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final Deque<Runnable> tasks = new ArrayDeque<>();
    private boolean rejecting;
    private final Executor workers = r -> {
        if (rejecting) {
            throw new RejectedExecutionException("full");
        }
        tasks.add(r);
    };
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AuthThrottle throttle = new AuthThrottle(3, Duration.ofSeconds(9), 1000, (Ticker) nanos::get);
    private final StringBuilder out = new StringBuilder();
    private EmbeddedChannel ch;

    /** A stand-in for the route table: /healthz public, everything else needs the token "good". */
    private final ConsoleConnection.Api api = new ConsoleConnection.Api() {
        @Override
        public ConsoleApi.Access access(String method, String rawPath) {
            return rawPath.equals("/healthz") ? ConsoleApi.Access.PUBLIC : ConsoleApi.Access.ANY_TOKEN;
        }

        @Override
        public ApiResponse preflight(String method, String rawPath, String authorization, String client) {
            calls.add("preflight " + rawPath);
            return GOOD.equals(authorization) ? null : ConsoleApi.problem(new ApiException(401, "unauthorized",
                    "Unauthorized", "unknown token", null), rawPath);
        }

        @Override
        public ApiResponse handle(String method, String rawPath, Map<String, List<String>> query, String authorization,
                byte[] body, String client) {
            calls.add("handle " + rawPath + " " + body.length);
            return ApiResponse.ok(Map.of("path", rawPath, "bytes", body.length));
        }
    };

    /** Holds written responses (their promises incomplete) while {@code holding}, as a full socket would. */
    private final class HeldWrites extends ChannelOutboundHandlerAdapter {
        boolean holding;
        final List<Object[]> held = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (holding) {
                held.add(new Object[] {msg, promise});
            } else {
                ctx.write(msg, promise);
            }
        }

        void release(ChannelHandlerContext ctx) {
            holding = false;
            for (Object[] w : held) {
                ctx.writeAndFlush(w[0], (ChannelPromise) w[1]);
            }
            held.clear();
        }
    }

    private HeldWrites socket;

    private EmbeddedChannel channel(int maxBody, int lingerBytes) {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
        socket = new HeldWrites();
        ch = new EmbeddedChannel();
        ch.config().setAutoRead(false);
        ch.pipeline().addLast(socket);
        ch.pipeline().addLast(new HttpServerCodec(8192, 16 * 1024, 64 * 1024), new FlowControlHandler(),
                new ConsoleConnection(new ConsoleConnection.Shared(api, workers, throttle,
                        new ConsoleConnection.Limits(maxBody, lingerBytes, 2000, 4))));
        return ch;
    }

    @AfterEach
    void close() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    private void send(String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    private void send(byte[] bytes) {
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    /** Runs queued worker tasks and the event-loop tasks they post, until both are idle. */
    private void drain() {
        ch.runPendingTasks();
        while (!tasks.isEmpty()) {
            tasks.poll().run();
            ch.runPendingTasks();
        }
    }

    /** Everything written to the client so far. */
    private String written() {
        for (Object o; (o = ch.readOutbound()) != null;) {
            ByteBuf b = (ByteBuf) o;
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    private List<Integer> statuses() {
        List<Integer> s = new ArrayList<>();
        Matcher m = STATUS.matcher(written());
        while (m.find()) {
            s.add(Integer.parseInt(m.group(1)));
        }
        return s;
    }

    /** {@code POST /v1/certificates} with a good token; {@code rest} goes on from the next header line. */
    private static String postCertificates(String rest) {
        return "POST /v1/certificates HTTP/1.1\r\nHost: c\r\nAuthorization: " + GOOD + "\r\n" + rest;
    }

    /** Once the pending tasks ran the connection is closed, and the API saw only the preflight of the upload. */
    private void assertClosedHavingOnlyPreflighted() {
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(calls).containsExactly("preflight /v1/certificates");
    }

    private static String get(String path, String auth) {
        return "GET " + path + " HTTP/1.1\r\nHost: c\r\n" + (auth == null ? "" : "Authorization: " + auth + "\r\n")
                + "\r\n";
    }

    @Test
    void answersPipelinedRequestsInOrderReadingTheNextOnlyAfterTheResponse() {
        channel(1024, 1024);
        send(get("/a", GOOD) + "POST /b HTTP/1.1\r\nHost: c\r\nAuthorization: " + GOOD
                + "\r\nContent-Length: 3\r\n\r\nxyz" + get("/c", GOOD));
        assertThat(tasks).hasSize(1);
        tasks.poll().run();
        ch.runPendingTasks();
        assertThat(calls).containsExactly("preflight /a");
        assertThat(tasks).hasSize(1); // handle /a; /b is not even read
        tasks.poll().run();
        ch.runPendingTasks();
        assertThat(statuses()).containsExactly(200);
        drain();
        assertThat(calls).containsExactly("preflight /a", "handle /a 0", "preflight /b", "handle /b 3", "preflight /c",
                "handle /c 0");
        assertThat(statuses()).containsExactly(200, 200, 200);
        assertThat(written().replace(" ", "")).containsSubsequence("\"path\":\"/a\"", "\"path\":\"/b\"",
                "\"path\":\"/c\"");
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void readsTheNextPipelinedRequestOnlyOnceTheRefusalOfTheLastIsWritten() {
        channel(1024, 1024);
        socket.holding = true;
        send(get("/v1/status", "Bearer bad") + get("/v1/status", GOOD) + get("/v1/status", GOOD));
        drain();
        assertThat(calls).containsExactly("preflight /v1/status");
        socket.release(ch.pipeline().firstContext());
        drain();
        assertThat(statuses()).containsExactly(401, 200, 200);
        assertThat(calls).containsExactly("preflight /v1/status", "preflight /v1/status", "handle /v1/status 0",
                "preflight /v1/status", "handle /v1/status 0");
    }

    @Test
    void refusesUnauthenticatedUploadOnItsHeadAndClosesWithoutBufferingTheBody() {
        channel(64 * 1024, 16 * 1024);
        send("POST /v1/certificates HTTP/1.1\r\nHost: c\r\nContent-Length: 62914560\r\n\r\n");
        send(new byte[8192]);
        drain();
        assertThat(statuses()).containsExactly(401);
        assertThat(written()).contains("connection: close").contains("application/problem+json");
        assertThat(calls).containsExactly("preflight /v1/certificates");
        assertThat(ch.isOpen()).isTrue(); // lingering, so the client reads the 401 instead of a reset
        for (int i = 0; i < 3 && ch.isOpen(); i++) {
            send(new byte[8192]);
            ch.runPendingTasks();
        }
        assertThat(ch.isOpen()).as("closed after the linger budget").isFalse();
        assertThat(calls).doesNotContain("handle /v1/certificates 0");
    }

    @Test
    void closesALingeringConnectionWhenTheClientStalls() {
        channel(64 * 1024, 16 * 1024);
        send("POST /v1/certificates HTTP/1.1\r\nHost: c\r\nContent-Length: 62914560\r\n\r\n");
        drain();
        assertThat(statuses()).containsExactly(401);
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(2001, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void keepsTheConnectionAfterRefusingARequestWithoutBody() {
        channel(1024, 1024);
        send(get("/v1/status", "Bearer bad") + get("/v1/status", GOOD));
        drain();
        assertThat(statuses()).containsExactly(401, 200);
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void answers413ForAContentLengthOverTheLimitWithoutReadingIt() {
        channel(1024, 1024);
        send(postCertificates("Content-Length: 2048\r\n\r\n"));
        drain();
        assertThat(statuses()).containsExactly(413);
        assertThat(written()).contains("body-too-large").contains("connection: close").contains("\"limit\" : 1024");
        send(new byte[2048]);
        assertClosedHavingOnlyPreflighted();
    }

    @Test
    void answers413ForAChunkedBodyOnceItsChunksPassTheLimit() {
        channel(1024, 4096);
        send(postCertificates("Transfer-Encoding: chunked\r\n\r\n"));
        drain();
        String chunk = "258\r\n" + "a".repeat(600) + "\r\n";
        send(chunk);
        assertThat(statuses()).isEmpty();
        send(chunk);
        drain();
        assertThat(statuses()).containsExactly(413);
        send(chunk + "0\r\n\r\n");
        assertClosedHavingOnlyPreflighted();
    }

    @Test
    void readsABodyUpToTheLimitForAnAuthenticatedRequest() {
        channel(1024, 1024);
        send(postCertificates("Transfer-Encoding: chunked\r\n\r\n400\r\n" + "a".repeat(1024) + "\r\n0\r\n\r\n"));
        drain();
        assertThat(statuses()).containsExactly(200);
        assertThat(calls).containsExactly("preflight /v1/certificates", "handle /v1/certificates 1024");
    }

    @Test
    void answers400ForAnUndecodableQueryStringAndGoesOn() {
        channel(1024, 1024);
        send(get("/v1/certificates?name=%zz", GOOD) + get("/v1/status", GOOD));
        drain();
        assertThat(statuses()).containsExactly(400, 200);
        assertThat(written()).contains("malformed-request");
    }

    @Test
    void sends100ContinueOnlyAfterThePreflightPassed() {
        channel(1024, 1024);
        send("POST /x HTTP/1.1\r\nHost: c\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        drain();
        assertThat(statuses()).containsExactly(401);
        assertThat(ch.isOpen()).isFalse();

        out.setLength(0);
        channel(1024, 1024);
        send("POST /x HTTP/1.1\r\nHost: c\r\nAuthorization: " + GOOD + "\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        drain();
        assertThat(statuses()).containsExactly(100);
        send("xyz");
        drain();
        assertThat(statuses()).containsExactly(100, 200);
    }

    @Test
    void answers503WithRetryAfterFromTheEventLoopWhenTheWorkerQueueIsFull() {
        channel(1024, 1024);
        rejecting = true;
        send(get("/v1/status", GOOD));
        ch.runPendingTasks();
        assertThat(statuses()).containsExactly(503);
        assertThat(written()).contains("retry-after: 1").contains("console-busy").contains("application/problem+json");
        rejecting = false;
        send(get("/v1/status", GOOD));
        drain();
        assertThat(statuses()).containsExactly(503, 200);
    }

    @Test
    void throttlesAnAddressAfterItsFailuresWithoutCheckingEvenAValidToken() {
        channel(1024, 1024);
        for (int i = 0; i < 3; i++) {
            send(get("/v1/status", "Bearer bad" + i));
            drain();
        }
        assertThat(statuses()).containsExactly(401, 401, 401);
        calls.clear();
        send(get("/v1/status", GOOD) + get("/healthz", null));
        drain();
        assertThat(statuses()).containsExactly(401, 401, 401, 429, 200);
        assertThat(written()).contains("retry-after: 3").contains("auth-throttled");
        assertThat(calls).containsExactly("handle /healthz 0"); // the token was not looked at
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(3));
        send(get("/v1/status", GOOD));
        drain();
        assertThat(statuses()).endsWith(200, 200);
        assertThat(ch.isOpen()).isTrue();
    }
}
