package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link StaticUi}: the allowlist, content types, security headers, and its place before the API table. */
class StaticUiTest {

    @ParameterizedTest
    @CsvSource({
        "/ui/,            text/html; charset=utf-8,       <!doctype html>",
        "/ui/index.html,  text/html; charset=utf-8,       <!doctype html>",
        "/ui/app.js,      text/javascript; charset=utf-8, sessionStorage",
        "/ui/app.css,     text/css; charset=utf-8,        :root",
        "/ui/favicon.svg, image/svg+xml,                  <svg",
    })
    void servesTheAllowlistedFilesWithTheirContentTypes(String path, String type, String start) {
        respond("GET", path, null, r -> {
            assertThat(r.status().code()).isEqualTo(200);
            assertThat(r.headers().get("Content-Type")).isEqualTo(type);
            assertThat(r.content().toString(StandardCharsets.UTF_8)).contains(start);
            assertThat(r.headers().getInt("Content-Length")).isEqualTo(r.content().readableBytes());
            assertThat(r.headers().get("Cache-Control")).isEqualTo("no-cache");
            assertThat(r.headers().get("ETag")).matches("\"[0-9a-f]{32}\"");
            assertSecurityHeaders(r);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ui/../../etc/passwd", "/ui/%2e%2e/%2e%2e/etc/passwd", "/ui/..%2f..%2fetc%2fpasswd",
        "/ui/%2E%2E/openapi.json", "/ui//app.js", "/ui/./app.js", "/ui/app.js/", "/ui/APP.JS", "/ui/app.js%00",
        "/ui/nope.html", "/ui/ui/app.js", "/ui/.git/config"})
    void refusesEverythingNotOnTheAllowlist(String path) {
        respond("GET", path, null, r -> {
            assertThat(r.status().code()).as(path).isEqualTo(404);
            assertThat(r.headers().get("Content-Type")).isEqualTo("text/plain; charset=utf-8");
            assertThat(r.content().toString(StandardCharsets.UTF_8)).isEqualTo("not found\n");
            assertSecurityHeaders(r);
        });
    }

    @Test
    void redirectsTheBarePrefixToTheSlash() {
        respond("GET", "/ui", null, r -> {
            assertThat(r.status().code()).isEqualTo(308);
            assertThat(r.headers().get("Location")).isEqualTo("/ui/");
        });
    }

    @Test
    void answersOnlyGetAndHead() {
        respond("POST", "/ui/", null, post -> {
            assertThat(post.status().code()).isEqualTo(405);
            assertThat(post.headers().get("Allow")).isEqualTo("GET, HEAD");
        });
        respond("HEAD", "/ui/app.js", null, head -> {
            assertThat(head.status().code()).isEqualTo(200);
            assertThat(head.content().readableBytes()).isZero();
            assertThat(head.headers().getInt("Content-Length"))
                    .isEqualTo(StaticUi.files().get("/ui/app.js").bytes().length);
        });
    }

    @Test
    void answersNotModifiedToItsOwnEtag() {
        String etag = StaticUi.files().get("/ui/app.js").etag();
        respond("GET", "/ui/app.js", etag, r -> {
            assertThat(r.status().code()).isEqualTo(304);
            assertThat(r.content().readableBytes()).isZero();
            assertThat(r.headers().get("ETag")).isEqualTo(etag);
        });
    }

    @Test
    void handlesTheUiPrefixOnly() {
        assertThat(StaticUi.handles("/ui")).isTrue();
        assertThat(StaticUi.handles("/ui/")).isTrue();
        assertThat(StaticUi.handles("/ui/x/y")).isTrue();
        assertThat(StaticUi.handles("/uix")).isFalse();
        assertThat(StaticUi.handles("/v1/status")).isFalse();
        assertThat(StaticUi.handles("/")).isFalse();
    }

    /** What the CSP would block anyway, kept out of the files so that nothing depends on it being lax. */
    @Test
    void pageHasNoInlineScriptOrStyleAndLoadsOnlyItsOwnFiles() {
        String html = text("/ui/index.html");
        assertThat(html).doesNotContainPattern("(?i)<script(?![^>]*\\bsrc=)").doesNotContainPattern("(?i)\\sstyle=")
                .doesNotContainPattern("(?i)<style").doesNotContainPattern("(?i)\\son[a-z]+=")
                .doesNotContainPattern("(?i)(src|href)=\"(https?:)?//").doesNotContainPattern("(?i)javascript:");
        Matcher refs = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(html);
        List<String> referenced = new ArrayList<>();
        while (refs.find()) {
            referenced.add(refs.group(1));
        }
        assertThat(referenced).containsExactlyInAnyOrder("favicon.svg", "app.css", "app.js");
        referenced.forEach(f -> assertThat(StaticUi.files()).containsKey("/ui/" + f));
    }

    /** Tenant-controlled strings are hostile: the script never parses data as markup. */
    @Test
    void scriptBuildsTheDomWithTextOnly() {
        String js = text("/ui/app.js");
        assertThat(js).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                "new Function", "setAttribute('style'", ".style.", "localStorage", "http://", "https://");
        assertThat(js).contains("sessionStorage", "textContent", "'Bearer '");
    }

    // ---- its place in the connection: before the API table, no token, no throttle ----------

    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private final ConsoleConnection.Api api = new ConsoleConnection.Api() {
        @Override
        public ConsoleApi.Access access(String method, String rawPath) {
            calls.add("access " + rawPath);
            return ConsoleApi.Access.ANY_TOKEN;
        }

        @Override
        public ApiResponse preflight(String method, String rawPath, String authorization, String client) {
            calls.add("preflight " + rawPath);
            return ConsoleApi.problem(new ApiException(401, "unauthorized", "Unauthorized", "no token", null), rawPath);
        }

        @Override
        public ApiResponse handle(String method, String rawPath, Map<String, List<String>> query, String authorization,
                byte[] body, String client) {
            calls.add("handle " + rawPath);
            return ApiResponse.ok(Map.of());
        }
    };

    @Test
    void servesTheFilesWithoutTheApiAndAnswersPipelinedRequestsInOrder() {
        AuthThrottle throttle = new AuthThrottle(1, Duration.ofSeconds(60), 1000, (Ticker) nanos::get);
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAutoRead(false);
        ch.pipeline().addLast(new HttpServerCodec(8192, 16 * 1024, 64 * 1024), new FlowControlHandler(),
                new ConsoleConnection(new ConsoleConnection.Shared(api, Runnable::run, throttle,
                        new ConsoleConnection.Limits(1024, 1024, 2000, 4))));
        try {
            ch.writeInbound(Unpooled.copiedBuffer("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /ui/ HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /ui/%2e%2e/v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /ui/app.js HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.ISO_8859_1));
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                ch.runPendingTasks();
                for (Object o; (o = ch.readOutbound()) != null;) {
                    ByteBuf b = (ByteBuf) o;
                    out.append(b.toString(StandardCharsets.UTF_8));
                    b.release();
                }
            }
            List<String> statuses = new ArrayList<>();
            Matcher m = Pattern.compile("HTTP/1\\.1 (\\d{3})").matcher(out);
            while (m.find()) {
                statuses.add(m.group(1));
            }
            // the first 401 engages the throttle (limit 1): the next API call gets 429, the files still come
            assertThat(statuses).containsExactly("401", "200", "404", "429", "200");
            assertThat(calls).containsExactly("access /v1/status", "preflight /v1/status", "access /v1/status");
            assertThat(out).contains("Content-Security-Policy: " + StaticUi.CSP);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /** Checks StaticUi's answer to {@code method path} ({@code If-None-Match: etag} unless null), then releases it. */
    private static void respond(String method, String path, String etag, Consumer<FullHttpResponse> check) {
        FullHttpResponse r = StaticUi.respond(method, path, etag);
        try {
            check.accept(r);
        } finally {
            r.release();
        }
    }

    private static String text(String path) {
        return new String(StaticUi.files().get(path).bytes(), StandardCharsets.UTF_8);
    }

    private static void assertSecurityHeaders(FullHttpResponse r) {
        assertThat(r.headers().get("Content-Security-Policy")).isEqualTo("default-src 'none'; script-src 'self'; "
                + "style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; "
                + "frame-ancestors 'none'");
        assertThat(r.headers().get("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.headers().get("Referrer-Policy")).isEqualTo("no-referrer");
    }
}
