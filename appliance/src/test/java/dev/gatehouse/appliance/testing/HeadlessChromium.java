package dev.gatehouse.appliance.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.tls.testing.Tools;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A real headless Chromium (Debian package {@code chromium}) driven over the DevTools protocol with
 * the JDK's WebSocket client: no WebDriver, no Selenium. One page (a target attached in flat mode);
 * console messages, log entries and uncaught exceptions are collected for the test to inspect.
 *
 * <p>The browser runs with a fresh profile in a temporary directory and no network beyond what the page
 * asks for ({@code --disable-background-networking}, no component updates, no sync, no QUIC). It is
 * stopped by the PID this class started, then its descendants by theirs.
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final String session;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    /** Console API calls, log entries and exceptions, as "kind level: text". */
    public final List<String> messages = new CopyOnWriteArrayList<>();

    /** Skips (or under GATEHOUSE_REQUIRE_TOOLS=1 fails) when {@code chromium} is not installed. */
    public static void require() {
        Tools.require("chromium");
    }

    /**
     * @param extraFlags more command-line flags, such as
     *                   {@code --ignore-certificate-errors-spki-list=<base64 SHA-256 of the SPKI>}
     */
    public HeadlessChromium(List<String> extraFlags) throws Exception {
        profile = Files.createTempDirectory("gatehouse-chromium-");
        List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--window-size=1280,1600",
                "--user-data-dir=" + profile));
        cmd.addAll(extraFlags);
        cmd.add("about:blank");
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            Path active = profile.resolve("DevToolsActivePort");
            await(() -> Files.isRegularFile(active) && lines(active).size() >= 2, "DevToolsActivePort from chromium");
            List<String> port = lines(active);
            URI browser = URI.create("ws://127.0.0.1:" + port.get(0).trim() + port.get(1).trim());
            socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(TIMEOUT)
                    .buildAsync(browser, new Listener()).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            String target = call(null, "Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
            session = call(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
                    .get("sessionId").asText();
            send("Page.enable", Map.of());
            send("Runtime.enable", Map.of());
            send("Log.enable", Map.of());
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Where chromium's own output goes (in the profile: removed on close). */
    public Path logFile() {
        return profile.resolve("chromium.log");
    }

    /** A DevTools command on the page; its result. */
    public JsonNode send(String method, Map<String, ?> params) throws Exception {
        return call(session, method, params);
    }

    private JsonNode call(String sessionId, String method, Map<String, ?> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", JSON.valueToTree(params));
        if (sessionId != null) {
            msg.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        synchronized (this) {
            socket.sendText(JSON.writeValueAsString(msg), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        JsonNode r = reply.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (r.has("error")) {
            throw new IllegalStateException(method + ": " + r.get("error"));
        }
        return r.path("result");
    }

    /** Evaluates a JavaScript expression in the page (promises awaited); its value as JSON. */
    public JsonNode eval(String expression) throws Exception {
        JsonNode r = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                "awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException("page threw on " + expression + ": " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** Runs before any script of every document this page loads (DevTools scripts are not subject to the CSP). */
    public void onNewDocument(String source) throws Exception {
        send("Page.addScriptToEvaluateOnNewDocument", Map.of("source", source));
    }

    public void navigate(String url) throws Exception {
        JsonNode r = send("Page.navigate", Map.of("url", url));
        if (r.hasNonNull("errorText")) {
            throw new IllegalStateException("navigation to " + url + " failed: " + r.get("errorText").asText());
        }
    }

    /** Waits until {@code expression} is true in the page. */
    public void waitFor(String expression, String what) {
        await(() -> {
            try {
                return eval("Boolean(" + expression + ")").asBoolean();
            } catch (Exception e) {
                return false;
            }
        }, what + " (" + expression + ")");
    }

    /** A PNG of the whole page. */
    public byte[] screenshot() throws Exception {
        JsonNode r = send("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        return Base64.getDecoder().decode(r.get("data").asText());
    }

    private void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (!process.isAlive() && !what.startsWith("DevTools")) {
                throw new AssertionError("chromium exited (" + process.exitValue() + ") waiting for " + what);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + TIMEOUT.toSeconds() + " s waiting for " + what
                        + "; page messages: " + messages);
            }
            try {
                // polling a condition in another process: there is no event to wait on
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            return List.of();
        }
    }

    private void onMessage(String text) {
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (IOException e) {
            return;
        }
        if (m.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
            if (f != null) {
                f.complete(m);
            }
            return;
        }
        JsonNode p = m.path("params");
        switch (m.path("method").asText()) {
            case "Runtime.consoleAPICalled" -> {
                StringBuilder s = new StringBuilder("console ").append(p.path("type").asText()).append(':');
                p.path("args").forEach(a -> s.append(' ').append(a.has("value") ? a.get("value").asText()
                        : a.path("description").asText()));
                messages.add(s.toString());
            }
            case "Log.entryAdded" -> messages.add("log " + p.path("entry").path("level").asText() + " "
                    + p.path("entry").path("source").asText() + ": " + p.path("entry").path("text").asText()
                    + " " + p.path("entry").path("url").asText(""));
            case "Runtime.exceptionThrown" -> messages.add("exception error: "
                    + p.path("exceptionDetails").path("exception").path("description").asText(
                            p.path("exceptionDetails").path("text").asText()));
            default -> {
                // other events are not used
            }
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                onMessage(text);
            }
            ws.request(1);
            return null;
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.abort();
        }
        List<ProcessHandle> children = process.descendants().toList();
        try {
            Processes.stop(process, Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // chromium's helpers (zygote, renderer, GPU): by the PIDs of this browser's own descendants
        children.forEach(ProcessHandle::destroyForcibly);
        try (Stream<Path> walk = Files.walk(profile)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory
        }
    }
}
