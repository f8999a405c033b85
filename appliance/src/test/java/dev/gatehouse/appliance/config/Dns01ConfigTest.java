package dev.gatehouse.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code acme.dns01}, {@code acme.challenge}, {@code acme.profile} and the fallback directory. */
class Dns01ConfigTest {

    private static final String SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==";

    @TempDir
    static Path dir;

    @Test
    void readsTheDns01SectionWithDefaults() throws Exception {
        Path key = Files.writeString(dir.resolve("tsig.key"), "key \"gatehouse-acme\" {\n\talgorithm hmac-sha256;\n"
                + "\tsecret \"" + SECRET + "\";\n};\n");
        GatehouseConfig.Acme a = ConfigLoader.parse("t", "acme: {enabled: true, challenge: dns-01, profile: shortlived,"
                + " fallbackDirectory: 'https://ca-two.example/dir', fallbackAfter: 2, dns01: {server: '127.0.0.1:5353',"
                + " zones: [Tenant.Example.com], tsig: {name: gatehouse-acme, secretFile: '" + key + "'}}}").acme();
        assertThat(a.challenge()).isEqualTo("dns-01");
        assertThat(a.dnsForExactNames()).isTrue();
        assertThat(a.profile()).isEqualTo("shortlived");
        assertThat(a.fallbackDirectory()).isEqualTo(URI.create("https://ca-two.example/dir"));
        assertThat(a.fallbackAfter()).isEqualTo(2);
        GatehouseConfig.Dns01 d = a.dns01();
        assertThat(d.server()).isEqualTo(new InetSocketAddress("127.0.0.1", 5353));
        assertThat(d.zones()).containsExactly("tenant.example.com");
        assertThat(d.tsigName()).isEqualTo("gatehouse-acme");
        assertThat(d.tsigAlgorithm()).isEqualTo("hmac-sha256");
        assertThat(d.propagationTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(d.ttl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(d.followCname()).isTrue();
        assertThat(d.readSecret()).hasSize(34);
        // the configuration holds the path, never the secret: printing it cannot leak it
        assertThat(a.toString()).doesNotContain(SECRET).contains(key.toString());

        GatehouseConfig.Acme plain = ConfigLoader.parse("t", "acme: {enabled: true}").acme();
        assertThat(plain.challenge()).isEqualTo("http-01");
        assertThat(plain.dns01()).isNull();
        assertThat(plain.fallbackDirectory()).isNull();
        assertThat(plain.fallbackAfter()).isEqualTo(3);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "acme: {challenge: tls-alpn-01}                                   | acme.challenge: 'tls-alpn-01' (expected: http-01 or dns-01)",
        "acme: {challenge: dns-01}                                        | acme.challenge: 'dns-01' (expected: http-01 unless acme.dns01 names the DNS server",
        "acme: {dns01: {server: ns1.example.com, tsig: {name: k, secretFile: /k}}} | acme.dns01.server: 'ns1.example.com' (expected: the authoritative server's IP address",
        "acme: {dns01: {server: 127.0.0.1}}                               | acme.dns01.tsig: missing (expected: a mapping with name, secretFile",
        "acme: {dns01: {server: 127.0.0.1, tsig: {secretFile: /k}}}       | acme.dns01.tsig.name: missing (expected: the TSIG key name",
        "acme: {dns01: {server: 127.0.0.1, tsig: {name: k}}}              | acme.dns01.tsig.secretFile: missing (expected: a file holding the base64 TSIG secret",
        "acme: {dns01: {server: 127.0.0.1, tsig: {name: k, algorithm: hmac-md5, secretFile: /k}}} | acme.dns01.tsig.algorithm: 'hmac-md5' (expected: one of [hmac-sha1, hmac-sha224, hmac-sha256",
        "acme: {enabled: true, dns01: {server: 127.0.0.1, tsig: {name: k, secretFile: /nonexistent/k}}} | acme.dns01.tsig.secretFile: '/nonexistent/k' (expected: a readable file",
        "acme: {dns01: {server: 127.0.0.1, zones: ['bad..zone'], tsig: {name: k, secretFile: /k}}} | acme.dns01.zones[0]: 'bad..zone' (expected: a DNS zone name",
        "acme: {dns01: {server: 127.0.0.1, ttl: 2d, tsig: {name: k, secretFile: /k}}} | acme.dns01.ttl: '2d' (expected: at most 1d",
        "acme: {dns01: {server: 127.0.0.1, propagationTimeout: never, tsig: {name: k, secretFile: /k}}} | acme.dns01.propagationTimeout: 'never' (expected: a positive duration",
        "acme: {dns01: {server: 127.0.0.1, secret: x, tsig: {name: k, secretFile: /k}}} | acme.dns01.secret: 'x' (expected: one of [followCname, propagationTimeout, server, tsig, ttl, zones] (unknown field)",
        "acme: {leaseTtl: 2m, dns01: {server: 127.0.0.1, propagationTimeout: 2m, tsig: {name: k, secretFile: /k}}} | acme.dns01.propagationTimeout: '2m' (expected: < acme.leaseTtl 2m",
        "acme: {dns01: {server: 127.0.0.1, followCname: sometimes, tsig: {name: k, secretFile: /k}}} | acme.dns01.followCname: 'sometimes' (expected: true or false)",
        "acme: {dns01: {server: 127.0.0.1, tsig: {name: k, secret: x, secretFile: /k}}} | acme.dns01.tsig.secret: 'x' (expected: one of [algorithm, name, secretFile] (unknown field)",
        "acme: {profile: 'two words'}                                     | acme.profile: 'two words' (expected: a profile name",
        "acme: {fallbackDirectory: 'http://ca.example/dir'}               | acme.fallbackDirectory: 'http://ca.example/dir' (expected: an https:// URL of a second CA",
        "acme: {directory: 'https://ca.example/dir', fallbackDirectory: 'https://ca.example/dir'} | acme.fallbackDirectory: 'https://ca.example/dir' (expected: another directory than acme.directory)",
        "acme: {fallbackAfter: 0}                                         | acme.fallbackAfter: '0' (expected: an integer in 1..1000)",
    })
    void refusesBadValueNamingPathValueAndExpectation(String yaml, String expected) {
        assertThatThrownBy(() -> ConfigLoader.parse("test.yaml", yaml))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage()).contains(expected.trim()));
    }

    @Test
    void aSecretFileThatIsNotBase64IsRefusedWithoutQuotingIt() throws Exception {
        Path key = Files.writeString(dir.resolve("bad.key"), "this is not base64 at all!");
        assertThatThrownBy(() -> ConfigLoader.parse("t", "acme: {enabled: true, dns01: {server: 127.0.0.1, tsig: "
                + "{name: k, secretFile: '" + key + "'}}}"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
                        .contains("acme.dns01.tsig.secretFile").contains("not base64")
                        .doesNotContain("this is not base64 at all"));
    }
}
