package dev.gatehouse.tls.sni;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostnamesTest {

    @ParameterizedTest(name = "normalize({0}) = {1}")
    @CsvSource(nullValues = "null", value = {
        "example.com, example.com",
        "Example.COM, example.com",
        "example.com., example.com",
        "xn--bcher-kva.example, xn--bcher-kva.example",
        "a-b.example.com, a-b.example.com",
        "_acme.example.com, _acme.example.com",
        "'', null",
        "., null",
        "example..com, null",
        "-bad.example.com, null",
        "bad-.example.com, null",
        "bücher.example, null",
        "exa mple.com, null",
        "example.com.., null",
    })
    void normalizes(String input, String expected) {
        assertThat(Hostnames.normalize(input)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "pattern {0} covers {1}: {2}")
    @CsvSource({
        "*.example.com, a.example.com, true",
        "*.example.com, example.com, false",
        "*.example.com, a.b.example.com, false",
        "*.example.com, a.example.org, false",
        "app.example.com, app.example.com, true",
        "app.example.com, other.example.com, false",
    })
    void wildcardCoversExactlyOneLabel(String pattern, String name, boolean expected) {
        assertThat(Hostnames.covers(pattern, name)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "pattern {0} valid: {1}")
    @CsvSource(nullValues = "null", value = {
        "*.example.com, *.example.com",
        "*.EXAMPLE.com., *.example.com",
        "*.com, null",
        "a*.example.com, null",
        "*.*.example.com, null",
        "*, null",
    })
    void validatesWildcardPatterns(String pattern, String expected) {
        assertThat(Hostnames.normalizePattern(pattern)).isEqualTo(expected);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "shop.example:8443 | shop.example",
        "shop.example | shop.example",
        "[2001:db8::1]:443 | [2001:db8::1]",
        "[2001:db8::1] | [2001:db8::1]",
        "2001:db8::1 | 2001:db8::1",
        "198.18.0.1:80 | 198.18.0.1",
    })
    void withoutPortStripsOnlyAPort(String host, String expected) {
        org.assertj.core.api.Assertions.assertThat(Hostnames.withoutPort(host)).isEqualTo(expected);
    }
}
