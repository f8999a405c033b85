package dev.gatehouse.appliance.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.cluster.DaemonThreads;
import dev.gatehouse.tls.net.Cidr;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plain-HTTP management listener: {@code GET /metrics} (Prometheus text, or OpenMetrics when
 * the {@code Accept} header asks for it), after the address allowlist (403) and the bearer token
 * (401). The JDK's HTTP server on one thread: scrapes come every few seconds from a handful of
 * Prometheus servers, and one thread makes scrapes sequential, so the per-scrape refresh has a
 * single writer. It never shares a thread with the data plane.
 */
final class MetricsServer implements AutoCloseable {

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

    /** Writes one scrape in the given content type. */
    interface Scraper {
        void scrape(OutputStream out, String contentType) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService thread;

    private MetricsServer(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /** Binds and serves; {@code token} null = no token, {@code allow} empty = any address. */
    static MetricsServer start(InetSocketAddress listen, byte[] token, List<Cidr> allow, Scraper scraper)
            throws IOException {
        HttpServer s = HttpServer.create(listen, 64);
        ExecutorService t = Executors.newSingleThreadExecutor(DaemonThreads.named("gatehouse-metrics"));
        s.setExecutor(t);
        s.createContext("/", ex -> {
            try {
                handle(ex, token, allow, scraper);
            } catch (IOException | RuntimeException e) {
                log.warn("event=metrics_scrape_failed client={} cause={}", ex.getRemoteAddress(), e.toString());
            } finally {
                ex.close();
            }
        });
        s.start();
        return new MetricsServer(s, t);
    }

    private static void handle(HttpExchange ex, byte[] token, List<Cidr> allow, Scraper scraper) throws IOException {
        if (!allow.isEmpty() && allow.stream().noneMatch(c -> c.contains(ex.getRemoteAddress().getAddress()))) {
            log.debug("event=metrics_refused client={} reason=not in metrics.allow", ex.getRemoteAddress());
            text(ex, 403, "forbidden: this address is not in metrics.allow\n");
            return;
        }
        if (token != null && !authorized(ex.getRequestHeaders().getFirst("Authorization"), token)) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"gatehouse-metrics\"");
            text(ex, 401, "unauthorized: send Authorization: Bearer <metrics.token>\n");
            return;
        }
        if (!"/metrics".equals(ex.getRequestURI().getPath())) {
            text(ex, 404, "not found: the metrics are at /metrics\n");
            return;
        }
        String method = ex.getRequestMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            text(ex, 405, "method not allowed\n");
            return;
        }
        String type = contentType(ex.getRequestHeaders().getFirst("Accept"));
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(64 * 1024);
        scraper.scrape(body, type);
        ex.getResponseHeaders().set("Content-Type", type);
        if ("HEAD".equals(method)) {
            ex.sendResponseHeaders(200, -1);
            return;
        }
        ex.sendResponseHeaders(200, body.size());
        body.writeTo(ex.getResponseBody());
    }

    /** OpenMetrics when the client lists it (Prometheus does, first), else the Prometheus text format. */
    static String contentType(String accept) {
        if (accept != null) {
            for (String part : accept.split(",")) {
                String mediaType = part.split(";")[0].trim();
                if ("application/openmetrics-text".equalsIgnoreCase(mediaType) && !part.replace(" ", "")
                        .contains("q=0,") && !part.replace(" ", "").endsWith("q=0")) {
                    return OPENMETRICS_TEXT;
                }
            }
        }
        return PROMETHEUS_TEXT;
    }

    private static boolean authorized(String header, byte[] token) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(header.substring(7).trim().getBytes(StandardCharsets.UTF_8), token);
    }

    private static void text(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
