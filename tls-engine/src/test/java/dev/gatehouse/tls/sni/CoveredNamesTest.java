package dev.gatehouse.tls.sni;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CoveredNamesTest {

    @ParameterizedTest(name = "[{0}] covers ''{1}'': {2}")
    @CsvSource(delimiter = '|', emptyValue = "", value = {
        "app.tenant-a.test          | app.tenant-a.test            | true",   // exact
        "app.tenant-a.test          | other.tenant-a.test          | false",
        "*.tenant-b.test            | x.tenant-b.test              | true",   // one-label wildcard
        "*.tenant-b.test            | tenant-b.test                | false",  // wildcard does not cover its apex
        "*.tenant-b.test            | a.b.tenant-b.test            | false",  // nor two labels below
        "*.tenant-b.test            | x.tenant-b.test.evil.test    | false",
        "app.tenant-a.test          | app.tenant-a.test:8443       | true",   // port ignored
        "app.tenant-a.test          | app.tenant-a.test:           | true",   // empty port (RFC 3986 allows it)
        "app.tenant-a.test          | other.name:8443              | false",
        "app.tenant-a.test          | APP.Tenant-A.TEST            | true",   // case-insensitive
        "*.tenant-b.test            | X.TENANT-B.TEST:443          | true",
        "app.tenant-a.test          | app.tenant-a.test.           | true",   // trailing dot ignored
        "app.tenant-a.test          | app.tenant-a.test.:8443      | true",
        "app.tenant-a.test          | app.tenant-a.test..          | false",
        "app.tenant-a.test          | [::1]:8443                   | false",  // IPv6 literal: never a DNS name
        "app.tenant-a.test          | [::1]                        | false",
        "app.tenant-a.test          | ::1                          | false",
        "app.tenant-a.test          | 127.0.0.1:8443               | false",
        "app.tenant-a.test          | app.tenant-a.test:84x3       | false",  // a port that is not digits
        "app.tenant-a.test          | user@app.tenant-a.test       | false",
        "app.tenant-a.test          | ''                           | false",
        "www.tenant-d.test tenant-d.test | tenant-d.test           | true",   // several names
        "www.tenant-d.test tenant-d.test | www.tenant-d.test:443   | true",
        "*.tenant-b.test app.tenant-a.test | y.tenant-b.test       | true",
        "*.tenant-b.test app.tenant-a.test | app.tenant-a.test     | true",
        "*.tenant-b.test app.tenant-a.test | tenant-a.test         | false",
    })
    void coversAuthorityByExactAndOneLabelWildcardNames(String names, String authority, boolean expected) {
        CoveredNames covered = CoveredNames.of("b1", List.of(names.split(" ")));
        assertThat(covered.coversAuthority(authority)).isEqualTo(expected);
    }

    @Test
    void ignoresNamesThatAreNoValidPattern() {
        CoveredNames covered = CoveredNames.of("b1", Arrays.asList("*.com", "a*.example.com", "ok.example.com"));
        assertThat(covered.coversAuthority("x.com")).isFalse();
        assertThat(covered.coversAuthority("ab.example.com")).isFalse();
        assertThat(covered.coversAuthority("ok.example.com")).isTrue();
        assertThat(covered.coversAuthority(null)).isFalse();
    }

    @Test
    void http2StreamChannelReadsTheConnectionsServedNames() {
        CoveredNames covered = CoveredNames.of("tenant-a", List.of("app.tenant-a.test"));
        EmbeddedChannel connection = new EmbeddedChannel();
        EmbeddedChannel stream = new EmbeddedChannel(connection, DefaultChannelId.newInstance(), true, false);
        try {
            assertThat(CoveredNames.servedOn(stream)).isNull();
            connection.attr(TenantSniHandler.SERVED_BUNDLE).set(covered);
            assertThat(CoveredNames.servedOn(connection)).isSameAs(covered);
            assertThat(CoveredNames.servedOn(stream)).isSameAs(covered);
        } finally {
            stream.finishAndReleaseAll();
            connection.finishAndReleaseAll();
        }
    }

    @Test
    void registryComputesTheNamesOncePerBundle() {
        Served served = new Served(dev.gatehouse.tls.testing.TestPki.bundle("tenant-b",
                new dev.gatehouse.tls.testing.TestPki().pki().issueEc("*.tenant-b.test", "tenant-b.test")));
        assertThat(served.covered.bundleId()).isEqualTo("tenant-b");
        assertThat(served.covered.coversAuthority("x.tenant-b.test")).isTrue();
        assertThat(served.covered.coversAuthority("tenant-b.test")).isTrue();
        assertThat(served.covered.coversAuthority("a.b.tenant-b.test")).isFalse();
    }
}
