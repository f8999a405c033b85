package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.appliance.testing.RawConsole;
import dev.gatehouse.appliance.testing.TestNode;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's transport under abuse, over real TLS sockets to a real node: bodies refused on their
 * head, pipelined answers in order, the bounded worker queue, the failed-authentication throttle and
 * the upload limit.
 */
class ConsoleHardeningIT {

    @TempDir
    static Path dir;
    /** One worker, four queued requests: easy to overload. The throttle is loose (TestNode's default). */
    static TestNode node;
    /** Throttles after 3 failed authentications in 3 s. */
    static TestNode strict;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(Files.createDirectories(dir.resolve("busy")), "busy-node",
                "workerThreads: 1, maxQueuedRequests: 4", "");
        admin = node.adminToken();
        strict = new TestNode(Files.createDirectories(dir.resolve("strict")), "strict-node",
                "authFailureLimit: 3, authFailureWindow: 3s", "");
    }

    @AfterAll
    static void stop() {
        for (TestNode n : new TestNode[] {node, strict}) {
            if (n != null) {
                n.close();
            }
        }
    }

    private static RawConsole connect(TestNode n) throws Exception {
        return new RawConsole(n.dataDir, n.node.consolePort());
    }

    private static String request(String method, String path, String token, String body) {
        StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: console\r\n");
        if (token != null) {
            b.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        if (body != null) {
            b.append("Content-Type: application/json\r\nContent-Length: ").append(body.length()).append("\r\n\r\n")
                    .append(body);
        } else {
            b.append("\r\n");
        }
        return b.toString();
    }

    @Test
    void refusesA60MbUnauthenticatedUploadRightAfterItsHeadersWithoutReadingTheBody() throws Exception {
        long bodyLength = 62_914_560;
        try (RawConsole c = connect(node)) {
            c.send("POST /v1/certificates HTTP/1.1\r\nHost: console\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bodyLength + "\r\n\r\n");
            byte[] chunk = new byte[64 * 1024];
            c.send(chunk);

            RawConsole.Response r = c.read(); // after 64 KiB of 60 MiB
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.header("content-type")).startsWith("application/problem+json");
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(r.body()).contains("/problems/unauthorized");

            // the node stops reading: sending the rest fails long before 60 MiB are out
            long sent = chunk.length;
            IOException refused = null;
            try {
                while (sent < bodyLength) {
                    c.send(chunk);
                    sent += chunk.length;
                }
            } catch (IOException e) {
                refused = e;
            }
            assertThat(refused).as("the node closed the connection").isNotNull();
            assertThat(sent).as("bytes the client got out (socket buffers included)").isLessThan(bodyLength / 3);
        }
        assertThat(node.call("GET", "/v1/status", admin, null).status()).isEqualTo(200);
    }

    @Test
    void answersPipelinedRequestsOnOneConnectionInOrder() throws Exception {
        try (RawConsole c = connect(node)) {
            // the second depends on the first having been handled; the first is the slowest (store + audit fsync)
            c.send(request("POST", "/v1/tenants", admin, "{\"id\":\"tenant-p\"}")
                    + request("GET", "/v1/tenants/tenant-p", admin, null)
                    + request("DELETE", "/v1/tokens/000000000000", admin, null)
                    + request("GET", "/healthz", null, null)
                    + request("GET", "/v1/status", admin, null));
            List<RawConsole.Response> answers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                answers.add(c.read());
            }
            assertThat(answers).extracting(RawConsole.Response::status).containsExactly(201, 200, 404, 200, 200);
            assertThat(answers.get(0).body()).contains("\"tenant-p\"");
            assertThat(answers.get(1).body()).contains("\"tenant-p\"");
            assertThat(answers.get(2).body()).contains("active token '000000000000'");
            assertThat(answers.get(3).body()).contains("\"ok\"");
            assertThat(answers.get(4).body()).contains("busy-node");
        }
    }

    @Test
    void answers503WithRetryAfterBeyondTheQueueBoundAndKeepsServing() throws Exception {
        int connections = 100;
        int perConnection = 20; // 2,000 requests against one worker and a queue of 4
        ExecutorService clients = Executors.newFixedThreadPool(connections);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<RawConsole.Response>>> results = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                results.add(clients.submit(() -> {
                    try (RawConsole c = connect(node)) {
                        String one = request("DELETE", "/v1/tokens/000000000000", admin, null); // 404, audited (fsync)
                        go.await();
                        c.send(one.repeat(perConnection));
                        List<RawConsole.Response> got = new ArrayList<>();
                        for (int k = 0; k < perConnection; k++) {
                            got.add(c.read());
                        }
                        return got;
                    }
                }));
            }
            go.countDown();
            List<RawConsole.Response> all = new ArrayList<>();
            for (Future<List<RawConsole.Response>> f : results) {
                all.addAll(f.get());
            }
            assertThat(all).hasSize(connections * perConnection).doesNotContainNull();
            assertThat(all).extracting(RawConsole.Response::status).containsOnly(404, 503);
            List<RawConsole.Response> busy = all.stream().filter(r -> r.status() == 503).toList();
            assertThat(busy).as("some requests found the queue full").isNotEmpty();
            assertThat(busy).allSatisfy(r -> {
                assertThat(r.header("retry-after")).isEqualTo("1");
                assertThat(r.header("content-type")).startsWith("application/problem+json");
                assertThat(r.body()).contains("/problems/console-busy");
            });
            assertThat(all).as("and others were served").anyMatch(r -> r.status() == 404);
        } finally {
            clients.shutdownNow();
        }
        assertThat(node.call("GET", "/v1/status", admin, null).status()).isEqualTo(200);
        try (Socket plain = new Socket("127.0.0.1", node.httpPort())) {
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: app.example.test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String status = new String(plain.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).as("the data plane still answers").matches("HTTP/1\\.1 [2-4]\\d\\d");
        }
    }

    @Test
    void answers413ForAnAuthenticatedOverLimitUploadThenCloses() throws Exception {
        try (RawConsole c = connect(node)) {
            c.send("POST /v1/certificates HTTP/1.1\r\nHost: console\r\nAuthorization: Bearer " + admin
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
            RawConsole.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.header("content-type")).startsWith("application/problem+json");
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(r.body()).contains("/problems/body-too-large").contains("65536");
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawConsole c = connect(node)) {
            c.send("POST /v1/certificates HTTP/1.1\r\nHost: console\r\nAuthorization: Bearer " + admin
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = Integer.toHexString(16 * 1024) + "\r\n" + "a".repeat(16 * 1024) + "\r\n";
            c.send(chunk.repeat(5)); // 80 KiB, counted as it arrives
            RawConsole.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void throttlesAnAddressAfterFailedAuthenticationsEvenForAValidTokenUntilTheWindowForgives() throws Exception {
        String valid = strict.adminToken();
        try (RawConsole c = connect(strict)) {
            for (int i = 0; i < 3; i++) {
                c.send(request("GET", "/v1/status", "ghk_000000000000_guess" + i, null));
                assertThat(c.read().status()).isEqualTo(401);
            }
            c.send(request("GET", "/v1/status", "ghk_000000000000_guess9", null));
            RawConsole.Response throttled = c.read();
            assertThat(throttled.status()).isEqualTo(429);
            assertThat(throttled.header("content-type")).startsWith("application/problem+json");
            assertThat(throttled.body()).contains("/problems/auth-throttled");
            assertThat(Integer.parseInt(throttled.header("retry-after"))).isBetween(1, 3);

            c.send(request("GET", "/v1/status", valid, null));
            assertThat(c.read().status()).as("per address, before the token is looked at").isEqualTo(429);
            c.send(request("GET", "/healthz", null, null));
            assertThat(c.read().status()).as("public routes are not throttled").isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> strict.call("GET", "/v1/status", valid, null).status() == 200);
    }
}
