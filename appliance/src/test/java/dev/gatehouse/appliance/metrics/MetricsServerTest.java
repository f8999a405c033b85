package dev.gatehouse.appliance.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.net.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The management listener over real HTTP on loopback: allowlist (403), bearer token (401), negotiation. */
class MetricsServerTest {

    static final String TOKEN = "s3cret-metrics-token-0123";
    private final HttpClient http = HttpClient.newHttpClient();

    static MetricsServer start(byte[] token, List<Cidr> allow) throws Exception {
        return MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), token, allow,
                (out, type) -> out.write(("# TYPE x counter\nx_total 1\n" + (type.startsWith("application/openmetrics")
                        ? "# EOF\n" : "")).getBytes(StandardCharsets.UTF_8)));
    }

    HttpResponse<String> get(MetricsServer s, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void refusesScrapesWithoutTheBearerToken() throws Exception {
        try (MetricsServer s = start(TOKEN.getBytes(StandardCharsets.UTF_8), List.of())) {
            HttpResponse<String> none = get(s, "/metrics");
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                    .startsWith("Bearer"));
            assertThat(get(s, "/metrics", "Authorization", "Bearer wrong-token-wrong-token").statusCode())
                    .isEqualTo(401);
            assertThat(get(s, "/metrics", "Authorization", "Basic " + TOKEN).statusCode()).isEqualTo(401);
            HttpResponse<String> ok = get(s, "/metrics", "Authorization", "Bearer " + TOKEN);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("x_total 1");
            assertThat(none.body()).doesNotContain(TOKEN);
        }
    }

    @Test
    void refusesAddressesOutsideTheAllowlistEvenWithTheToken() throws Exception {
        try (MetricsServer s = start(TOKEN.getBytes(StandardCharsets.UTF_8), List.of(Cidr.parse("10.0.0.0/8")
                .orElseThrow()))) {
            assertThat(get(s, "/metrics", "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(403);
        }
        try (MetricsServer s = start(null, List.of(Cidr.parse("10.0.0.0/8").orElseThrow(),
                Cidr.parse("127.0.0.0/8").orElseThrow()))) {
            assertThat(get(s, "/metrics").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void answersOpenMetricsWhenAskedAndPrometheusTextOtherwise() throws Exception {
        try (MetricsServer s = start(null, List.of())) {
            HttpResponse<String> text = get(s, "/metrics");
            assertThat(text.headers().firstValue("Content-Type")).hasValue(MetricsServer.PROMETHEUS_TEXT);
            HttpResponse<String> om = get(s, "/metrics", "Accept",
                    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
            assertThat(om.headers().firstValue("Content-Type")).hasValue(MetricsServer.OPENMETRICS_TEXT);
            assertThat(om.body()).endsWith("# EOF\n");
            assertThat(get(s, "/other").statusCode()).isEqualTo(404);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
                    + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8,      10.255.1.2,   true",
        "10.0.0.0/8,      11.0.0.1,     false",
        "192.0.2.7,       192.0.2.7,    true",
        "192.0.2.7,       192.0.2.8,    false",
        "127.0.0.0/8,     ::ffff:127.0.0.1, true",
        "fd00::/8,        fd12::1,      true",
        "fd00::/8,        fe80::1,      false",
        "0.0.0.0/0,       203.0.113.9,  true",
    })
    void cidrMatchesAddressesInItsNetwork(String cidr, String address, boolean inside) throws Exception {
        assertThat(Cidr.parse(cidr).orElseThrow().contains(InetAddress.getByName(address))).isEqualTo(inside);
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.0/33", "example.com", "10.0.0/8", "fd00::/129", "10.0.0.0/x", "''"})
    void cidrRefusesWhatIsNotANetwork(String text) {
        assertThat(Cidr.parse(text)).isEmpty();
    }
}
