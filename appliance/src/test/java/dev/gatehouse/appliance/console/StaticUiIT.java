package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.appliance.testing.RawConsole;
import dev.gatehouse.appliance.testing.TestNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The web console's static route on a real node over HTTPS, with raw requests (an HTTP client library
 * would normalize {@code ..} away before sending): the files, their headers, traversal refused, and
 * the data endpoints the page calls still wanting a token.
 */
class StaticUiIT {

    @TempDir
    static Path data;
    static TestNode node;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(data);
        admin = node.adminToken();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static RawConsole.Response get(String path, String authorization) throws Exception {
        try (RawConsole c = new RawConsole(data, node.node.consolePort())) {
            return c.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                    + "Connection: close\r\n\r\n").read();
        }
    }

    @ParameterizedTest
    @CsvSource({
        "/ui/,            text/html; charset=utf-8",
        "/ui/index.html,  text/html; charset=utf-8",
        "/ui/app.js,      text/javascript; charset=utf-8",
        "/ui/app.css,     text/css; charset=utf-8",
        "/ui/favicon.svg, image/svg+xml",
        "/ui/?anything=1, text/html; charset=utf-8",
    })
    void servesTheFilesWithoutATokenAndWithStrictHeaders(String path, String type) throws Exception {
        RawConsole.Response r = get(path, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo(type);
        assertThat(r.header("cache-control")).isEqualTo("no-cache");
        assertThat(r.header("etag")).isNotBlank();
        assertThat(r.body()).isNotEmpty();
        assertStrictHeaders(r);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ui/../../etc/passwd", "/ui/%2e%2e/%2e%2e/etc/passwd", "/ui/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/ui/..%5c..%5cetc%5cpasswd", "/ui/../v1/status", "/ui/nope.js", "/ui//etc/passwd", "/ui/%00"})
    void refusesTraversalAndUnknownFiles(String path) throws Exception {
        RawConsole.Response r = get(path, "Bearer " + admin);
        assertThat(r.status()).as(path).isEqualTo(404);
        assertThat(r.body()).isEqualTo("not found\n").doesNotContain("root:");
        assertStrictHeaders(r);
    }

    @Test
    void redirectsTheBarePrefix() throws Exception {
        RawConsole.Response r = get("/ui", null);
        assertThat(r.status()).isEqualTo(308);
        assertThat(r.header("location")).isEqualTo("/ui/");
    }

    @Test
    void revalidatesWithTheEtag() throws Exception {
        String etag = get("/ui/app.js", null).header("etag");
        try (RawConsole c = new RawConsole(data, node.node.consolePort())) {
            RawConsole.Response r = c.send("GET /ui/app.js HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: " + etag
                    + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(304);
            assertThat(r.body()).isEmpty();
            // keep-alive: the same connection goes on to the API, in order
            RawConsole.Response api = c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
            assertThat(api.status()).isEqualTo(200);
        }
    }

    @Test
    void refusesWritesOnTheFiles() throws Exception {
        try (RawConsole c = new RawConsole(data, node.node.consolePort())) {
            RawConsole.Response r = c.send("POST /ui/index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\n"
                    + "hello").read();
            assertThat(r.status()).isEqualTo(405);
            assertThat(r.header("allow")).isEqualTo("GET, HEAD");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/status", "/v1/certificates?limit=1000", "/v1/domains", "/v1/managed-certificates",
        "/v1/pools", "/v1/tenants"})
    void everyEndpointThePageCallsNeedsTheToken(String path) throws Exception {
        assertThat(get(path, null).status()).as(path).isEqualTo(401);
        assertThat(get(path, "Bearer gh_wrong_token").status()).as(path).isEqualTo(401);
        int withToken = get(path, "Bearer " + admin).status();
        // managed certificates: 409 acme-disabled on this node, past authentication
        assertThat(withToken).as(path).isIn(200, 409);
    }

    @Test
    void leavesTheApiResponsesAsTheyWere() throws Exception {
        RawConsole.Response r = get("/v1/status", "Bearer " + admin);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.header("content-security-policy")).isNull();
        assertThat(get("/", null).status()).isEqualTo(404);
    }

    private static void assertStrictHeaders(RawConsole.Response r) {
        assertThat(r.header("content-security-policy")).isEqualTo(StaticUi.CSP);
        assertThat(r.header("x-content-type-options")).isEqualTo("nosniff");
        assertThat(r.header("referrer-policy")).isEqualTo("no-referrer");
    }
}
