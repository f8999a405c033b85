package dev.gatehouse.appliance.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.events.Events;
import dev.gatehouse.appliance.testing.Services;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * For tests of the console's route table over a real file store, called without a socket the way a
 * client calls it: a path with its query string ({@code /v1/events?limit=2}), the bearer token of
 * an administrator or of one of the tenants {@code acme} and {@code globex}, a body, headers.
 * Before each test, fresh {@link Services}; the subclass puts the two tenants in them.
 */
abstract class ConsoleFixture {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    @AutoClose
    Services services;
    /** {@code Authorization} header values of new tokens for an administrator and for each tenant. */
    String admin;
    String acme;
    String globex;
    private ConsoleApi api;

    /**
     * Puts the tenants {@code acme} and {@code globex} (and whatever else the test needs) in
     * {@code services}; returns the event log the console serves.
     */
    abstract Events prepare(Services services) throws Exception;

    @BeforeEach
    final void openConsole() throws Exception {
        services = new Services(dir);
        api = services.consoleApi(prepare(services));
        admin = services.bearer("admin");
        acme = services.bearer("tenant:acme");
        globex = services.bearer("tenant:globex");
    }

    /** {@code headers}: more request headers as {@code name, value} pairs. */
    ApiResponse call(String method, String pathAndQuery, String token, String body, String... headers) {
        String path = pathAndQuery;
        Map<String, List<String>> query = new LinkedHashMap<>();
        int q = pathAndQuery.indexOf('?');
        if (q >= 0) {
            for (String kv : pathAndQuery.substring(q + 1).split("&")) {
                String[] p = kv.split("=", 2);
                query.computeIfAbsent(p[0], k -> new ArrayList<>()).add(p.length > 1 ? p[1] : "");
            }
            path = pathAndQuery.substring(0, q);
        }
        Map<String, String> h = new HashMap<>();
        h.put("authorization", token);
        for (int i = 0; i < headers.length; i += 2) {
            h.put(headers[i], headers[i + 1]);
        }
        return api.handleWithHeaders(method, path, query, h,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), "test");
    }

    /** The response body as a JSON tree. */
    static JsonNode json(ApiResponse r) {
        return JSON.valueToTree(r.body());
    }
}
