package dev.gatehouse.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link ConfigLoader#parse}: any text gives either a configuration or a
 * {@link ConfigException} whose every problem names where (a field path, or the line and column
 * of a YAML syntax error) and what was expected. No other exception escapes: {@code check-config}
 * and the node's start print the problems, never a stack trace.
 *
 * <p>The input is the YAML text (UTF-8). Seeds under {@code ConfigLoaderFuzzTestInputs}: the
 * annotated example file and small files for each section (cluster, membership and VIPs, ACME,
 * pools and routes, sizes and durations).
 */
class ConfigLoaderFuzzTest {

    @Timeout(10)
    // numbers past a long, units that multiply, a NUL where a path goes
    @DictionaryEntries({"99999999999999999999", "9223372036854775807", "4294967808", "ms", "d", "GiB", "\"\\0\"",
        "dataDir: ", "keyFile: ", "secretFile: ", "caFile: ", "certificateDirs: ", "maxClientHelloBytes: ",
        "maxBodyBytes: ", "heartbeat: ", "interval: ", "failback: ", "membership: ", "ha: ", "vips: "})
    @FuzzTest(maxDuration = "30s")
    void loadsOrNamesEveryProblem(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);
        try {
            GatehouseConfig c = ConfigLoader.parse("fuzz.yaml", yaml);
            assertThat(c.node().name()).isNotNull();
            assertThat(c.listeners().https()).isNotNull();
            assertThat(c.console().listen()).isNotNull();
        } catch (ConfigException e) {
            assertThat(e.problems()).isNotEmpty();
            for (ConfigProblem p : e.problems()) {
                assertThat(p.path()).as("where, in %s", p).isNotNull();
                assertThat(p.expected()).as("what was expected, in %s", p).isNotBlank();
            }
            assertThat(e.getMessage()).startsWith("fuzz.yaml: ");
        }
    }
}
