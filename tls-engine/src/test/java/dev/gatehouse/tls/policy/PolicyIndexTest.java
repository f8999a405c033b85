package dev.gatehouse.tls.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyIndexTest {

    private static final HostPolicy STRICT = HostPolicy.builder().tls13Only(true).build();
    private static final HostPolicy WILD = HostPolicy.builder().hsts(60, false, false).build();

    @Test
    void findsNothingWhenEmpty() {
        PolicyIndex index = new PolicyIndex();
        assertThat(index.forName("a.example.com")).isNull();
        assertThat(index.forHost("a.example.com:443")).isNull();
        assertThat(index.size()).isZero();
    }

    @Test
    void matchesTheExactNameFirstThenTheOneLabelWildcard() {
        PolicyIndex index = new PolicyIndex();
        index.replace(Map.of("a.example.com", STRICT, "*.example.com", WILD));
        assertThat(index.forName("a.example.com")).isSameAs(STRICT);
        assertThat(index.forName("b.example.com")).isSameAs(WILD);
        assertThat(index.forName("x.b.example.com")).as("one label only").isNull();
        assertThat(index.forName("example.com")).isNull();
        assertThat(index.forHost("A.Example.COM.:8443")).as("Host header: case, trailing dot, port").isSameAs(STRICT);
    }

    @Test
    void aReplacementDropsNamesNoLongerInItAndBumpsTheVersion() {
        PolicyIndex index = new PolicyIndex();
        index.replace(Map.of("a.example.com", STRICT));
        long v = index.version();
        index.replace(Map.of("b.example.com", WILD));
        assertThat(index.version()).isGreaterThan(v);
        assertThat(index.forName("a.example.com")).isNull();
        assertThat(index.forName("b.example.com")).isSameAs(WILD);
    }

    @Test
    void aConnectionsCachedLookupFollowsAReplacement() {
        PolicyIndex index = new PolicyIndex();
        ConnectionPolicy conn = new ConnectionPolicy(index);
        assertThat(conn.forHost("a.example.com")).isNull();
        index.replace(Map.of("a.example.com", STRICT));
        assertThat(conn.forHost("a.example.com")).isSameAs(STRICT);
        assertThat(conn.forHost("a.example.com")).isSameAs(STRICT);
        index.replace(Map.of());
        assertThat(conn.forHost("a.example.com")).isNull();
    }

    @Test
    void admitsByTheListsThenTheRateLimit() throws Exception {
        InetAddress inside = InetAddress.getByName("192.0.2.7");
        InetAddress outside = InetAddress.getByName("198.51.100.1");
        InetAddress denied = InetAddress.getByName("192.0.2.66");
        HostPolicy p = HostPolicy.builder()
                .ipLists(CidrSet.parse(List.of("192.0.2.0/24", "2001:db8::/32")), CidrSet.parse(List.of("192.0.2.64/28")),
                        false)
                .rateLimit(new ClientRateLimiter(1, 1, 16))
                .build();
        assertThat(p.admit(outside, 0)).isEqualTo(HostPolicy.DENIED);
        assertThat(p.admit(denied, 0)).as("the deny list wins").isEqualTo(HostPolicy.DENIED);
        assertThat(p.admit(inside, 0)).isEqualTo(HostPolicy.ALLOWED);
        assertThat(p.admit(inside, 0)).as("the burst of 1 is spent: wait for the next token").isPositive();
        assertThat(p.admit(InetAddress.getByName("2001:db8::1"), 0)).isEqualTo(HostPolicy.ALLOWED);
    }

    @Test
    void buildsTheHstsValueWithPreloadOnlyWhenAsked() {
        assertThat(HostPolicy.builder().hsts(31536000, true, false).build().hsts())
                .isEqualTo("max-age=31536000; includeSubDomains");
        assertThat(HostPolicy.builder().hsts(600, false, true).build().hsts()).isEqualTo("max-age=600; preload");
    }

    @Test
    void keepsErrorPagesOnlyForTheirStatus() {
        HostPolicy p = HostPolicy.builder().errorPages(Map.of(503, "<p>down</p>")).build();
        assertThat(p.errorPage(503)).asString().isEqualTo("<p>down</p>");
        assertThat(p.errorPage(502)).isNull();
        assertThat(HostPolicy.builder().build().errorPage(503)).isNull();
    }
}
