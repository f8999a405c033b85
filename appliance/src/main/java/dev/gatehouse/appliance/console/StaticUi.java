package dev.gatehouse.appliance.console;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The status web console's static files under {@code /ui/}: a fixed allowlist of files loaded from
 * {@code src/main/resources/ui/} once, served without a token (they hold no data; the page fetches
 * everything from the token-protected JSON endpoints with the token the operator types in).
 *
 * <p>These are not API operations, so they are not in the {@link ConsoleApi} route table nor in
 * {@code openapi.json}: {@link ConsoleConnection} answers {@code /ui} and {@code /ui/*} before the
 * table, from the event loop (nothing here does I/O).
 *
 * <p>The lookup is an exact match of the raw request path against the allowlist: nothing is decoded,
 * normalized or resolved against a directory, so {@code /ui/../../etc/passwd}, {@code /ui/%2e%2e/x}
 * and anything else not listed are a plain 404. Every answer, 404s included, carries a strict
 * Content-Security-Policy (no inline script or style, nothing from another origin), {@code nosniff},
 * {@code no-referrer} and {@code frame-ancestors 'none'}. Files are served with {@code no-cache} and
 * an ETag: the browser revalidates (a 304 costs a few bytes) so an upgraded node is never shown with
 * a stale script.
 */
final class StaticUi {

    static final String PREFIX = "/ui";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /** One served file. */
    record Asset(String resource, String contentType, byte[] bytes, String etag) {
    }

    /** Raw request path → file. {@code /ui/} is the page itself. */
    private static final Map<String, Asset> FILES = load();

    private StaticUi() {
    }

    private static Map<String, Asset> load() {
        Asset index = asset("index.html", "text/html; charset=utf-8");
        Map<String, Asset> m = new LinkedHashMap<>();
        m.put(PREFIX + "/", index);
        m.put(PREFIX + "/index.html", index);
        m.put(PREFIX + "/app.js", asset("app.js", "text/javascript; charset=utf-8"));
        m.put(PREFIX + "/app.css", asset("app.css", "text/css; charset=utf-8"));
        m.put(PREFIX + "/favicon.svg", asset("favicon.svg", "image/svg+xml"));
        return Map.copyOf(m);
    }

    private static Asset asset(String name, String contentType) {
        String resource = "/ui/" + name;
        try (InputStream in = StaticUi.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " missing from the jar");
            }
            byte[] bytes = in.readAllBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return new Asset(resource, contentType, bytes, "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The raw paths served, for tests. */
    static Map<String, Asset> files() {
        return FILES;
    }

    /** True for {@code /ui} and everything under {@code /ui/}: those never reach the API table. */
    static boolean handles(String rawPath) {
        return rawPath.equals(PREFIX) || rawPath.startsWith(PREFIX + "/");
    }

    /**
     * The answer to {@code method rawPath}: the file, 304 when {@code ifNoneMatch} names its ETag,
     * 308 from {@code /ui} to {@code /ui/} (relative URLs in the page need the slash), 405 for a method
     * other than GET or HEAD, 404 for anything not on the allowlist.
     */
    static FullHttpResponse respond(String method, String rawPath, String ifNoneMatch) {
        boolean head = method.equals("HEAD");
        if (!head && !method.equals("GET")) {
            FullHttpResponse r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, method + " is not allowed on " + rawPath);
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return r;
        }
        if (rawPath.equals(PREFIX)) {
            FullHttpResponse r = text(HttpResponseStatus.PERMANENT_REDIRECT, "see " + PREFIX + "/");
            r.headers().set(HttpHeaderNames.LOCATION, PREFIX + "/");
            return r;
        }
        Asset a = FILES.get(rawPath);
        if (a == null) {
            return text(HttpResponseStatus.NOT_FOUND, "not found");
        }
        FullHttpResponse r;
        if (a.etag().equals(ifNoneMatch)) {
            r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        } else {
            // HEAD: the length of the body a GET would get, and no body
            r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(a.bytes()));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType());
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, a.bytes().length);
        }
        r.headers().set(HttpHeaderNames.ETAG, a.etag());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        secure(r.headers());
        return r;
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        secure(r.headers());
        return r;
    }

    private static void secure(HttpHeaders h) {
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("X-Frame-Options", "DENY");
        h.set("Cross-Origin-Opener-Policy", "same-origin");
        h.set("Cross-Origin-Resource-Policy", "same-origin");
    }
}
