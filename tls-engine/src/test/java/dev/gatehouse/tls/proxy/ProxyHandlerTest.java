package dev.gatehouse.tls.proxy;

import static dev.gatehouse.tls.proxy.Http1Harness.CLIENT;
import static dev.gatehouse.tls.proxy.Http1Harness.HOST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.policy.ClientRateLimiter;
import dev.gatehouse.tls.policy.HostPolicy;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/1.1 front handler and its exchange ({@link ProxyHandler}, {@link Http1Exchange}) on real
 * bytes: what reaches the backend, what the client gets back, the connection's state between
 * exchanges, and the one record per exchange.
 */
class ProxyHandlerTest {

    private final BackendServer first = new BackendServer("127.0.0.1", 1);
    private final BackendServer second = new BackendServer("127.0.0.1", 2);
    private final Http1Harness h = new Http1Harness(first, second);

    @AfterEach
    void close() {
        h.close();
    }

    private static final String OK_HELLO = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Backend: b1\r\n\r\nhello";

    @Test
    void forwardsTheRequestWithRewrittenHeadersAndRelaysTheResponseBytes() {
        h.connect();
        h.clientSends("GET /a?x=1 HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\n"
                + "X-Gatehouse-Metadata: forged\r\nX-Http2-Stream-Id: 9\r\n\r\n");
        String toBackend = h.backendReceived();
        assertThat(toBackend).startsWith("GET /a?x=1 HTTP/1.1\r\n")
                .containsIgnoringCase("host: " + HOST + "\r\n")
                .containsIgnoringCase("x-forwarded-for: " + CLIENT + "\r\n")
                .containsIgnoringCase("x-forwarded-proto: https\r\n")
                .containsIgnoringCase("x-forwarded-port: 8443\r\n")
                .containsPattern("(?i)x-request-id: [0-9a-f]{32}\r\n")
                .doesNotContainIgnoringCase("x-drop")
                .doesNotContainIgnoringCase("x-gatehouse-metadata")
                .doesNotContainIgnoringCase("connection:");

        h.backendSends(OK_HELLO);
        String toClient = h.clientReceived();
        assertThat(toClient).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("x-backend: b1\r\n")
                .endsWith("\r\n\r\nhello").doesNotContainIgnoringCase("connection: close");
        assertThat(h.client.isOpen()).isTrue();
        assertThat(h.released).containsExactly(h.backend()); // keep-alive both ways: back to the pool
        assertThat(h.inflight).hasValue(0);
        assertThat(h.metrics.get("http.requests.h1")).isEqualTo(1);
        assertThat(h.metrics.get("http.responses.2xx")).isEqualTo(1);
        assertThat(h.records).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.cause()).isNull();
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.path()).isEqualTo("/a");
            assertThat(r.query()).isEqualTo("x=1");
            assertThat(r.protocol()).isEqualTo("HTTP/1.1");
            assertThat(r.host()).isEqualTo(HOST);
            assertThat(r.pool()).isEqualTo("app");
            assertThat(r.server()).isEqualTo(h.acquired.get(0).toString());
            assertThat(r.bytesOut()).isEqualTo(5);
            assertThat(r.client().getAddress().getHostAddress()).isEqualTo(CLIENT);
            assertThat(toBackend).containsIgnoringCase("x-request-id: " + r.requestId() + "\r\n");
        });
    }

    @Test
    void pipelinedRequestWaitsUntilTheFirstResponseIsWritten() {
        h.connect();
        h.clientSends("GET /one HTTP/1.1\r\nHost: " + HOST + "\r\n\r\nGET /two HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        assertThat(h.backends).as("one exchange at a time").hasSize(1);
        assertThat(h.backendReceived()).startsWith("GET /one ");

        h.backendSends(OK_HELLO);
        assertThat(h.backends).hasSize(2);
        assertThat(h.backendReceived()).startsWith("GET /two ");
        h.backendSends("HTTP/1.1 204 No Content\r\n\r\n");

        String toClient = h.clientReceived();
        assertThat(toClient.indexOf("HTTP/1.1 200 OK")).isZero();
        assertThat(toClient.indexOf("HTTP/1.1 204 No Content")).isGreaterThan(0);
        assertThat(h.records).extracting(r -> r.path()).containsExactly("/one", "/two");
        assertThat(h.records).extracting(r -> r.requestId()).doesNotHaveDuplicates();
    }

    @Test
    void retriesAConnectFailureOnTheOtherServer() {
        h.leases.add(Http1Harness.Lease.REFUSED); // the first connection attempt fails
        h.connect();
        h.clientSends("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        assertThat(h.acquired).hasSize(2);
        assertThat(h.acquired.get(1)).isNotSameAs(h.acquired.get(0));
        assertThat(h.metrics.get("proxy.backend_connect_failed")).isEqualTo(1);
        h.backendSends(OK_HELLO);
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 200 OK");
        assertThat(h.records).singleElement().satisfies(r -> {
            assertThat(r.server()).isEqualTo(h.acquired.get(1).toString());
            assertThat(r.upstreamError()).isEqualTo("refused");
        });
        assertThat(first.outstanding() + second.outstanding()).as("no request left counted").isZero();
    }

    @Test
    void replaysOnAFreshConnectionWhenAPooledOneWasClosedByTheBackend() {
        h.leases.add(Http1Harness.Lease.REUSED);
        h.connect();
        h.clientSends("GET /r HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        h.backendReceived();
        h.backend().close(); // the backend had closed the idle keep-alive connection
        h.client.runPendingTasks();
        assertThat(h.metrics.get("proxy.stale_connection_retry")).isEqualTo(1);
        assertThat(h.backends).hasSize(2);
        assertThat(h.backendReceived()).startsWith("GET /r ");
        h.backendSends(OK_HELLO);
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 200 OK");
        assertThat(h.records).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(200));
    }

    @Test
    void backendClosingMidResponseClosesTheClientAndRecordsWhy() {
        h.connect();
        h.clientSends("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        h.backendSends("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        h.backend().close();
        h.client.runPendingTasks();
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 200 OK").endsWith("abc");
        assertThat(h.client.isOpen()).isFalse();
        assertThat(h.metrics.get("proxy.backend_closed_mid_response")).isEqualTo(1);
        assertThat(h.records).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.cause()).isEqualTo("backend_closed_mid_response");
        });
        assertThat(h.inflight).hasValue(0);
    }

    @Test
    void answersARateLimitedClientWith429AndRetryAfterAndKeepsTheConnection() {
        h.policies.replace(Map.of(HOST, HostPolicy.builder().rateLimit(new ClientRateLimiter(0.001, 1, 16)).build()));
        h.connect();
        h.clientSends("GET /1 HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        h.backendSends(OK_HELLO);
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 200 OK");

        h.clientSends("GET /2 HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        String r = h.clientReceived();
        assertThat(r).startsWith("HTTP/1.1 429 Too Many Requests\r\n").containsPattern("(?i)retry-after: \\d+\r\n")
                .doesNotContainIgnoringCase("connection: close");
        assertThat(h.backends).as("the refused request reached no backend").hasSize(1);
        assertThat(h.client.isOpen()).isTrue();
        assertThat(h.metrics.get("policy.rate_limited")).isEqualTo(1);
        assertThat(h.records).extracting(x -> x.cause()).containsExactly(null, "rate_limited");
    }

    @Test
    void closesAfterAnOversizedBodyWithoutReadingIt() {
        h.connect();
        h.clientSends("POST /up HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 5000\r\n\r\n");
        String r = h.clientReceived();
        assertThat(r).startsWith("HTTP/1.1 413 ").containsIgnoringCase("connection: close");
        assertThat(h.client.isOpen()).isFalse();
        assertThat(h.backends).isEmpty();
        assertThat(h.records).singleElement().satisfies(x -> assertThat(x.cause()).isEqualTo("body_too_large"));
    }

    @Test
    void drainClosesAnIdleConnectionButLetsARunningExchangeFinishWithClose() {
        h.connect();
        h.clientSends("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        h.client.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        assertThat(h.client.isOpen()).as("an exchange is running").isTrue();
        h.backendSends(OK_HELLO);
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("connection: close");
        assertThat(h.client.isOpen()).isFalse();
    }

    @Test
    void drainedIdleConnectionAnswersARequestAlreadyOnItsWayWithCloseInsteadOfClosingUnderIt() {
        h.connect();
        h.client.freezeTime();
        h.clientSends("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        h.backendSends(OK_HELLO);
        assertThat(h.clientReceived()).doesNotContainIgnoringCase("connection: close");
        h.client.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        assertThat(h.client.isOpen()).as("idle, but the client may have sent its next request already").isTrue();
        h.clientSends("GET /next HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        h.backendSends(OK_HELLO);
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("connection: close");
        assertThat(h.client.isOpen()).isFalse();
    }

    @Test
    void drainedIdleConnectionClosesWhenNoRequestCameWithinTheGrace() {
        h.connect();
        h.client.freezeTime();
        h.client.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        h.client.advanceTimeBy(ProxyHandler.DRAIN_GRACE_MS - 1, TimeUnit.MILLISECONDS);
        h.client.runScheduledPendingTasks();
        assertThat(h.client.isOpen()).isTrue();
        h.client.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        h.client.runScheduledPendingTasks();
        assertThat(h.client.isOpen()).isFalse();
    }

    @Test
    void drainedAfterAKeepAliveResponseHeadGivesTheNextRequestConnectionClose() {
        h.connect();
        h.client.freezeTime();
        h.clientSends("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        h.backendSends("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe");
        assertThat(h.clientReceived()).doesNotContainIgnoringCase("connection: close");
        h.client.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        h.backendSends("llo");
        assertThat(h.clientReceived()).isEqualTo("llo");
        assertThat(h.client.isOpen()).as("its head said keep-alive: the next request may be on its way").isTrue();
        h.clientSends("GET /next HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        h.backendSends(OK_HELLO);
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("connection: close");
        assertThat(h.client.isOpen()).isFalse();
    }
}
