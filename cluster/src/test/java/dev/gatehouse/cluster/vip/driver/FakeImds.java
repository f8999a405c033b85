package dev.gatehouse.cluster.vip.driver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A local EC2 instance metadata service that, like an instance with {@code HttpTokens=required},
 * answers only IMDSv2: {@code PUT /latest/api/token} with a TTL header gives a token, and every
 * {@code GET} without a valid token gets 401. Records every request. Register with
 * {@code @RegisterExtension}; it listens on 127.0.0.1 on a random port for the duration of a test.
 */
final class FakeImds implements BeforeEachCallback, AfterEachCallback {

    /** One request as the fake saw it. */
    record Request(String method, String path, String token, String ttl) {
    }

    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String> items = new ConcurrentHashMap<>();
    private final Set<String> validTokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tokenCounter = new AtomicInteger();
    private volatile int tokenStatus = 200;
    private HttpServer server;

    FakeImds() {
        items.putAll(new HashMap<>(Map.of(
                "instance-id", "i-0a1b2c3d4e5f60718",
                "placement/region", "eu-west-1",
                "placement/availability-zone", "eu-west-1a")));
    }

    /** Declares an interface: {@code network/interfaces/macs/<mac>/interface-id} answers {@code eni}. */
    FakeImds nic(String mac, String eni) {
        items.put("network/interfaces/macs/" + mac + "/interface-id", eni);
        items.put("network/interfaces/macs/" + mac + "/mac", mac);
        return this;
    }

    /** Makes the token PUT answer {@code status} (403: IMDS disabled on the instance). */
    void tokenStatus(int status) {
        tokenStatus = status;
    }

    /** Forgets every token issued, as a restarted IMDS would: the next GET gets 401. */
    void expireTokens() {
        validTokens.clear();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    boolean issued(String token) {
        return token != null && token.startsWith("AQAEAFake-") && Integer.parseInt(token.substring(10)) <= tokenCounter.get();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String token = exchange.getRequestHeaders().getFirst(InstanceMetadata.TOKEN_HEADER);
            String ttl = exchange.getRequestHeaders().getFirst(InstanceMetadata.TTL_HEADER);
            requests.add(new Request(method, path, token, ttl));
            exchange.getRequestBody().readAllBytes();
            if (path.equals("/latest/api/token")) {
                if (!method.equals("PUT")) {
                    respond(exchange, 405, "");
                } else if (ttl == null || !ttl.matches("\\d+") || Integer.parseInt(ttl) < 1 || Integer.parseInt(ttl) > 21600) {
                    respond(exchange, 400, "");
                } else if (tokenStatus != 200) {
                    respond(exchange, tokenStatus, "");
                } else {
                    String issued = "AQAEAFake-" + tokenCounter.incrementAndGet();
                    validTokens.add(issued);
                    exchange.getResponseHeaders().add(InstanceMetadata.TTL_HEADER, ttl);
                    respond(exchange, 200, issued);
                }
                return;
            }
            if (!method.equals("GET")) {
                respond(exchange, 405, "");
            } else if (token == null || !validTokens.contains(token)) {
                respond(exchange, 401, ""); // IMDSv1 (no token) refused, as with HttpTokens=required
            } else if (!path.startsWith("/latest/meta-data/") || !items.containsKey(path.substring(18))) {
                respond(exchange, 404, "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<title>404 - Not Found</title>");
            } else {
                respond(exchange, 200, items.get(path.substring(18)));
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }
}
