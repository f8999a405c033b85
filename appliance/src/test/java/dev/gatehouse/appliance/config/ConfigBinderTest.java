package dev.gatehouse.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Sections bound into records by {@link ConfigBinder}: defaults from the record, problems as the reader names them. */
class ConfigBinderTest {

    @Test
    void anAbsentSectionTakesTheDefaultsWrittenOnItsRecord() throws Exception {
        GatehouseConfig c = ConfigLoader.parse("empty", "");
        assertThat(c.events()).isEqualTo(new GatehouseConfig.Events(10_000, Duration.ofDays(7), Duration.ofSeconds(1),
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofHours(1), false));
        assertThat(c.console().maxUploadBytes()).isEqualTo(1024 * 1024);
        assertThat(c.console().listen()).isEqualTo(new java.net.InetSocketAddress("127.0.0.1", 9443));
        assertThat(c.tls().maxClientHelloBytes()).isEqualTo(16 * 1024);
        assertThat(c.tls().http2()).isTrue();
        assertThat(c.proxy().maxBodyBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(c.proxy().drainTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.accessLog().queueSize()).isEqualTo(65_536);
        assertThat(ConfigLoader.parse("t", "events: {}\nconsole: {}\ntls: {}\nproxy: {}\naccessLog: {}")).isEqualTo(c);
        assertThat(ConfigLoader.parse("t", "events:\nconsole: null")).isEqualTo(c);
    }

    @Test
    void boundValuesReplaceTheDefaults() throws Exception {
        GatehouseConfig c = ConfigLoader.parse("t", "events: {maxEvents: 500, retryMin: 1s, allowPrivateTargets: yes}\n"
                + "console: {listen: '127.0.0.1:19443', maxUploadBytes: 64KiB, workerThreads: 2}");
        assertThat(c.events().maxEvents()).isEqualTo(500);
        assertThat(c.events().retryMin()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.events().allowPrivateTargets()).isTrue();
        assertThat(c.events().maxAge()).isEqualTo(Duration.ofDays(7));
        assertThat(c.console().listen().getPort()).isEqualTo(19443);
        assertThat(c.console().maxUploadBytes()).isEqualTo(64 * 1024);
        assertThat(c.console().workerThreads()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "events: {maxEvents: 5}                | events.maxEvents: '5' (expected: an integer in 100..1000000)",
        "events: {maxEvents: lots}             | events.maxEvents: 'lots' (expected: an integer in 100..1000000)",
        "events: {retryMin: 10ms}              | events.retryMin: '10ms' (expected: >= 100ms)",
        "events: {maxAge: 0s}                  | events.maxAge: '0s' (expected: >= 1m)",
        "events: {maxAge: off}                 | events.maxAge: 'off' (expected: a positive duration",
        "events: {allowPrivateTargets: maybe}  | events.allowPrivateTargets: 'maybe' (expected: true or false)",
        "events: {retries: 3}                  | events.retries: '3' (expected: one of [allowPrivateTargets, deliveryInterval, deliveryLeaseTtl, deliveryTimeout, maxAge, maxEvents, retryMax, retryMin] (unknown field)",
        "events: 5                             | events: '5' (expected: a mapping)",
        "events: {retryMin: 1m, retryMax: 10s} | events.retryMax: '10s' (expected: >= events.retryMin 1m)",
        "events: {maxAge: [1d]}                | events.maxAge: '[\"1d\"]' (expected: a positive duration",
        "console: {listen: 9443}               | console.listen: '9443' (expected: host:port",
        "console: {maxUploadBytes: 5GB}        | console.maxUploadBytes: '5GB' (expected: 4KiB..64MiB)",
        "tls: {certificateDirs: /etc/certs}    | tls.certificateDirs: '/etc/certs' (expected: a list)",
        "tls: {handshakeTimeout: no}           | tls.handshakeTimeout: 'no' (expected: a positive duration",
        "tls: {http2: maybe}                   | tls.http2: 'maybe' (expected: true or false)",
        "proxy: {maxBodyBytes: lots}           | proxy.maxBodyBytes: 'lots' (expected: a size such as 16384, 64KiB, 64MiB, 1GB)",
        "proxy: {trustedProxies: 10.0.0.1}     | proxy.trustedProxies: '10.0.0.1' (expected: a list)",
        "accessLog: {fields: [ts, 5]}          | accessLog.fields[1]: '5' (expected: one of [ts, type, node,",
        "console: {workerThreads: {a: 1}}      | console.workerThreads: '{\"a\":1}' (expected: an integer in 1..64)",
    })
    void problemsNameThePathTheValueAndTheExpectation(String yaml, String expected) {
        assertThatThrownBy(() -> ConfigLoader.parse("t", yaml)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).anySatisfy(p -> assertThat(p.toString()).startsWith(expected.trim())));
    }

    @Test
    void everyProblemOfASectionIsReportedAtOnce() {
        assertThatThrownBy(() -> ConfigLoader.parse("t", "events: {maxEvents: 5, retryMin: 1ms, bogus: 1}"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3));
    }
}
