package dev.gatehouse.tls.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.policy.CidrSet;
import dev.gatehouse.tls.policy.HostPolicy;
import dev.gatehouse.tls.policy.PolicyIndex;
import dev.gatehouse.tls.sni.CoveredNames;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2Error;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The steps before a request reaches a backend, in their order: body limit, authority, policy, route.
 * Each row is one request and the answer it gets (or the pool it goes to), with the counter it moves.
 */
class RequestAdmissionTest {

    private final EdgeMetrics metrics = new EdgeMetrics();
    private final PolicyIndex policies = new PolicyIndex();
    private final EmbeddedChannel connection = new EmbeddedChannel();
    private final Router router = Router.builder()
            .route("app.tenant-a.test", BackendPool.of("app", new BackendServer("127.0.0.1", 1)))
            .route("*.tenant-b.test", BackendPool.of("wild", new BackendServer("127.0.0.1", 2)))
            .build();
    private final ProxyServices services = new ProxyServices(() -> router, null,
            ProxySettings.defaults().withMaxBodySize(1000), metrics, new AtomicInteger(),
            dev.gatehouse.tls.observe.RequestObserver.NONE, policies);
    private final RequestAdmission admission = new RequestAdmission(services, CoveredNames.of("bundle-1",
            List.of("app.tenant-a.test", "*.tenant-b.test", "unrouted.tenant-a.test")));

    @AfterEach
    void close() {
        connection.finishAndReleaseAll();
    }

    /** An exchange that only notes what admission told it. */
    private static final class Noted extends BackendExchange {
        HttpResponseStatus status;
        String cause;
        boolean close;
        InetAddress client;

        Noted(ProxyServices services) {
            super(null, services, null);
            rec = new ExchangeRecord();
        }

        @Override
        void refuse(HttpResponseStatus s, String c, String detail, boolean cl) {
            status = s;
            cause = c;
            close = cl;
        }

        @Override
        void respondError(HttpResponseStatus s, String c, String detail) {
            throw new AssertionError("admission answers through refuse");
        }

        @Override
        EventLoop loop() {
            return null;
        }

        @Override
        Channel connection() {
            return null;
        }

        @Override
        InetAddress clientAddress() {
            return client;
        }

        @Override
        boolean forwarding() {
            return false;
        }

        @Override
        boolean ended() {
            return false;
        }

        @Override
        void abortResponse(String why, Http2Error error) {
        }

        @Override
        boolean nothingPending() {
            return true;
        }

        @Override
        void connected(Channel b) {
        }

        @Override
        public void onBackendMessage(Object msg) {
        }
    }

    private Noted admit(String host, String uri, long declared, boolean http2) {
        HttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        if (!host.isEmpty()) {
            for (String h : host.split(",")) {
                req.headers().add(HttpHeaderNames.HOST, h);
            }
        }
        Noted x = new Noted(services);
        x.rec.host = req.headers().get(HttpHeaderNames.HOST);
        boolean admitted = admission.admit(x, req, http2, declared, connection);
        assertThat(admitted).isEqualTo(x.status == null);
        return x;
    }

    @ParameterizedTest(name = "[{0}] → {4}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "routed exact      | app.tenant-a.test                  | /      | -1   | app",
        "routed wildcard   | x.tenant-b.test:8443               | /      | 0    | wild",
        "body at the limit | app.tenant-a.test                  | /      | 1000 | app",
        "body over limit   | app.tenant-a.test                  | /      | 1001 | 413 body_too_large http.body_too_large",
        "no Host           | ''                                 | /      | -1   | 400 missing_host http.missing_host",
        "two Hosts         | app.tenant-a.test,app.tenant-a.test | /     | -1   | 400 duplicate_host http.bad_request",
        "other tenant      | other.name                         | /      | -1   | 421 misdirected http.misdirected",
        "absolute form     | app.tenant-a.test                  | https://other.name/ | -1 | 421 misdirected http.misdirected",
        "covered unrouted  | unrouted.tenant-a.test             | /      | -1   | 404 no_route proxy.no_route",
    })
    void takesTheStepsInOrder(String label, String host, String uri, long declared, String expected) {
        Noted x = admit(host, uri, declared, false);
        String[] want = expected.split(" ");
        if (want.length == 1) {
            assertThat(x.status).as("refused").isNull();
            assertThat(x.pool.name()).isEqualTo(want[0]);
            assertThat(x.rec.pool).isEqualTo(want[0]);
            return;
        }
        assertThat(x.status.code()).isEqualTo(Integer.parseInt(want[0]));
        assertThat(x.cause).isEqualTo(want[1]);
        assertThat(metrics.get(want[2])).isEqualTo(1);
        assertThat(x.close).isEqualTo(x.status.code() == 413);
        assertThat(x.pool).as("no route looked up for a refused request").isNull();
    }

    @Test
    void http2TakesTheFirstHostValueAndForwardsOnlyThatOne() {
        Noted x = new Noted(services);
        HttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        req.headers().add(HttpHeaderNames.HOST, "app.tenant-a.test").add(HttpHeaderNames.HOST, "other.name");
        x.rec.host = "app.tenant-a.test";
        assertThat(admission.admit(x, req, true, -1, connection)).isTrue();
        assertThat(req.headers().getAll(HttpHeaderNames.HOST)).containsExactly("app.tenant-a.test");
    }

    @Test
    void deniesAClientOutsideThePolicysAllowList() throws Exception {
        policies.replace(Map.of("app.tenant-a.test", HostPolicy.builder()
                .ipLists(CidrSet.parse(List.of("192.0.2.0/24")), null, false).build()));
        Noted x = admit("app.tenant-a.test", "/", -1, false);
        assertThat(x.status).as("no client address: not on the list").isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(x.cause).isEqualTo("ip_denied");

        Noted inside = new Noted(services);
        inside.client = InetAddress.getByName("192.0.2.7");
        HttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        req.headers().set(HttpHeaderNames.HOST, "app.tenant-a.test");
        inside.rec.host = "app.tenant-a.test";
        assertThat(admission.admit(inside, req, false, -1, connection)).isTrue();
        assertThat(inside.policy).isNotNull();
        assertThat(metrics.get("policy.ip_denied")).isEqualTo(1);
    }

    @Test
    void routesToThePolicysOriginPoolOverTheRouter() {
        policies.replace(Map.of("unrouted.tenant-a.test", HostPolicy.builder().origin("app", null).build()));
        Noted x = admit("unrouted.tenant-a.test", "/", -1, false);
        assertThat(x.pool.name()).isEqualTo("app");
    }
}
