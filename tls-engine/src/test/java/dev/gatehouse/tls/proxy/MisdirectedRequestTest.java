package dev.gatehouse.tls.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.sni.CoveredNames;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.flow.FlowControlHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The 421 decision on real request bytes, through the same codec → flow control → proxy chain as a
 * live HTTP/1.1 connection. The router has no routes, so a request that passes the authority check
 * is answered 404 "no route" and never reaches a backend.
 */
class MisdirectedRequestTest {

    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
    private final EdgeMetrics metrics = new EdgeMetrics();
    private EmbeddedChannel channel;

    private EmbeddedChannel http1(String... names) {
        CoveredNames covered = CoveredNames.of("bundle-1", List.of(names));
        channel = new EmbeddedChannel(new HttpServerCodec(), new FlowControlHandler(),
                new ProxyHandler(services(), false, 8443, covered));
        return channel;
    }

    private ProxyServices services() {
        Router empty = Router.builder().build();
        return new ProxyServices(() -> empty, null, ProxySettings.defaults(), metrics, new AtomicInteger());
    }

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private static String send(EmbeddedChannel ch, String raw) {
        ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
        return Http1Harness.drain(ch);
    }

    private static List<Integer> statuses(String responses) {
        List<Integer> codes = new ArrayList<>();
        Matcher m = STATUS.matcher(responses);
        while (m.find()) {
            codes.add(Integer.parseInt(m.group(1)));
        }
        return codes;
    }

    @ParameterizedTest(name = "[{0}] {1} → {2}")
    @CsvSource(delimiter = '|', value = {
        "exact                  | app.tenant-a.test      | Host: app.tenant-a.test                  | 404",
        "other tenant           | app.tenant-a.test      | Host: other.name                         | 421",
        "wildcard               | *.tenant-b.test        | Host: x.tenant-b.test                    | 404",
        "wildcard apex          | *.tenant-b.test        | Host: tenant-b.test                      | 421",
        "two labels below       | *.tenant-b.test        | Host: a.b.tenant-b.test                  | 421",
        "with port              | app.tenant-a.test      | Host: app.tenant-a.test:8443             | 404",
        "other with port        | app.tenant-a.test      | Host: other.name:8443                    | 421",
        "uppercase              | app.tenant-a.test      | Host: APP.TENANT-A.TEST                  | 404",
        "trailing dot           | app.tenant-a.test      | Host: app.tenant-a.test.                 | 404",
        "IPv6 literal           | app.tenant-a.test      | Host: [::1]:8443                         | 421",
        "IPv4 literal           | app.tenant-a.test      | Host: 127.0.0.1                          | 421",
        "missing Host           | app.tenant-a.test      | X-No-Host: 1                             | 400",
        "empty Host             | app.tenant-a.test      | 'Host: '                                 | 400",
        "two Hosts              | app.tenant-a.test      | Host: app.tenant-a.test\\r\\nHost: other.name | 400",
    })
    void answersMisdirectedRequestWhenTheCertificateDoesNotCoverHost(String label, String names, String hostLine,
            int expected) {
        EmbeddedChannel ch = http1(names.split(" "));
        // a second request pipelined behind it shows the connection stays usable after the refusal
        String second = names.startsWith("*.") ? "z" + names.substring(1) : names;
        String r = send(ch, "GET /first HTTP/1.1\r\n" + hostLine.replace("\\r\\n", "\r\n") + "\r\n\r\n"
                + "GET /second HTTP/1.1\r\nHost: " + second + "\r\n\r\n");
        assertThat(statuses(r)).as(r).containsExactly(expected, 404);
        assertThat(metrics.get("http.misdirected")).isEqualTo(expected == 421 ? 1 : 0);
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void misdirectedResponseIsSmallPlainTextAndKeepsTheConnectionAlive() {
        EmbeddedChannel ch = http1("app.tenant-a.test");
        String r = send(ch, "GET / HTTP/1.1\r\nHost: other.name\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 421 Misdirected Request\r\n")
                .containsIgnoringCase("content-type: text/plain")
                .doesNotContainIgnoringCase("connection: close")
                .doesNotContain("other.name"); // nothing about other tenants' names
        assertThat(r.length()).isLessThan(400);
        assertThat(ch.isOpen()).isTrue();
        assertThat(metrics.get("http.responses.4xx")).isEqualTo(1);
    }

    @Test
    void closesAfterMisdirectedRequestThatAskedToClose() {
        EmbeddedChannel ch = http1("app.tenant-a.test");
        String r = send(ch, "GET / HTTP/1.1\r\nHost: other.name\r\nConnection: close\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 421").containsIgnoringCase("connection: close");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void closesAfterMisdirectedRequestWithABodyItWillNotRead() {
        EmbeddedChannel ch = http1("app.tenant-a.test");
        String r = send(ch, "POST / HTTP/1.1\r\nHost: other.name\r\nContent-Length: 5\r\n\r\nhello");
        assertThat(statuses(r)).containsExactly(421);
        assertThat(r).containsIgnoringCase("connection: close");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void keepsReadingWhenARequestHeadArrivesAcrossSeveralReads() {
        // each writeInbound is one read cycle ending in channelReadComplete; the ones that decode nothing must
        // not leave the proxy waiting (the flow-control handler counts an empty cycle as the read's answer)
        EmbeddedChannel ch = http1("app.tenant-a.test");
        assertThat(send(ch, "GET /a HTTP/1.1\r\nHo")).isEmpty();
        assertThat(send(ch, "st: other.name\r\n")).isEmpty();
        assertThat(statuses(send(ch, "\r\nGET /b HTTP/1.1\r\nHost: app.tenant-a.test\r\n"))).containsExactly(421);
        assertThat(statuses(send(ch, "\r\n"))).containsExactly(404);
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void checksTheAuthorityOfAnAbsoluteFormTargetToo() {
        EmbeddedChannel ch = http1("app.tenant-a.test");
        String r = send(ch, "GET https://other.name/x HTTP/1.1\r\nHost: app.tenant-a.test\r\n\r\n"
                + "GET https://user@APP.tenant-a.test:8443/y?q HTTP/1.1\r\nHost: app.tenant-a.test\r\n\r\n");
        assertThat(statuses(r)).as(r).containsExactly(421, 404);
    }

    @Test
    void connectionWithoutRecordedCertificateCarriesNothing() {
        channel = new EmbeddedChannel(new HttpServerCodec(), new FlowControlHandler(),
                new ProxyHandler(services(), false, 8443, null));
        assertThat(statuses(send(channel, "GET / HTTP/1.1\r\nHost: app.tenant-a.test\r\n\r\n"))).containsExactly(421);
    }

    @ParameterizedTest(name = "h2 :authority={0} host={1} → {2}")
    @CsvSource(nullValues = "null", value = {
        "app.tenant-a.test, null, COVERED",
        "app.tenant-a.test:8443, null, COVERED",
        "other.name, null, MISDIRECTED",
        "null, app.tenant-a.test, COVERED",       // no :authority: the Host header decides
        "null, other.name, MISDIRECTED",
        "app.tenant-a.test, other.name, COVERED", // :authority wins over Host (the proxy forwards only it)
        "other.name, app.tenant-a.test, MISDIRECTED",
        "null, null, MISSING_HOST",
    })
    void http2UsesAuthorityThenHost(String authority, String hostHeader, AuthorityCheck.Verdict expected) {
        // Netty's frame-to-object codec adds :authority as the first Host value, before the client's Host header
        HttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        if (authority != null) {
            req.headers().add(HttpHeaderNames.HOST, authority);
        }
        if (hostHeader != null) {
            req.headers().add(HttpHeaderNames.HOST, hostHeader);
        }
        CoveredNames covered = CoveredNames.of("bundle-1", List.of("app.tenant-a.test"));
        try {
            assertThat(AuthorityCheck.check(covered, req, true)).isEqualTo(expected);
        } finally {
            ((DefaultFullHttpRequest) req).release();
        }
    }

    @Test
    void http2StreamGetsMisdirectedAnswer() {
        CoveredNames covered = CoveredNames.of("bundle-1", List.of("app.tenant-a.test"));
        channel = new EmbeddedChannel(new ProxyHandler(services(), true, 8443, covered));
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        req.headers().set(HttpHeaderNames.HOST, "other.name");
        channel.writeInbound(req);
        FullHttpResponse response = channel.readOutbound();
        try {
            assertThat(response.status().code()).isEqualTo(421);
            assertThat(metrics.get("http.misdirected")).isEqualTo(1);
        } finally {
            response.release();
        }
    }
}
