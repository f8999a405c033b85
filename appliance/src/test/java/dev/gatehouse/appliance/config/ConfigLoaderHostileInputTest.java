package dev.gatehouse.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Values that used to escape {@link ConfigLoader#parse} as a NumberFormatException,
 * ArithmeticException or InvalidPathException (a stack trace from {@code check-config} instead of
 * a problem list), or that were silently wrapped into a different value. Found while writing
 * {@link ConfigLoaderFuzzTest}; each is now a {@link ConfigProblem} naming the field.
 */
class ConfigLoaderHostileInputTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // more digits than a long holds
        "proxy: {requestTimeout: 99999999999999999999s}  | proxy.requestTimeout: '99999999999999999999s' (expected: a duration of at most 3650d)",
        "console: {maxUploadBytes: 99999999999999999999} | console.maxUploadBytes: '99999999999999999999' (expected: a size below 8EiB)",
        // fits a long, but not a Duration, or not toMillis() and the multiples taken of it
        "proxy: {idleTimeout: 9999999999999999d}         | proxy.idleTimeout: '9999999999999999d' (expected: a duration of at most 3650d)",
        "acme: {interval: 106751991167d}                 | acme.interval: '106751991167d' (expected: a duration of at most 3650d)",
        // a size whose multiple overflows used to wrap around instead of being refused
        "proxy: {maxBodyBytes: 9999999999999999GB}       | proxy.maxBodyBytes: '9999999999999999GB' (expected: a size below 8EiB)",
        // 2^32 + 512 was cast to int 512 and accepted
        "tls: {maxClientHelloBytes: 4294967808}          | tls.maxClientHelloBytes: '4294967808' (expected: 512..16MiB)",
        // a NUL cannot be in a path
        "'node: {dataDir: \"/var/lib/\\0gatehouse\"}'     | node.dataDir: '/var/lib/\u0000gatehouse' (expected: a file system path (Nul character not allowed))",
        "'tls: {certificateDirs: [\"/etc/\\0certs\"]}'    | tls.certificateDirs[0]: '/etc/\u0000certs' (expected: a file system path (Nul character not allowed))",
        "'cluster: {keyFile: \"/etc/\\0key\"}'            | cluster.keyFile: '/etc/\u0000key' (expected: a file system path (Nul character not allowed))",
        "'acme: {caFile: \"/etc/\\0ca.pem\"}'             | acme.caFile: '/etc/\u0000ca.pem' (expected: a file system path (Nul character not allowed))",
    })
    void namesTheFieldInsteadOfThrowing(String yaml, String problem) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse("t", yaml));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.problems()).extracting(ConfigProblem::toString).contains(problem);
    }
}
