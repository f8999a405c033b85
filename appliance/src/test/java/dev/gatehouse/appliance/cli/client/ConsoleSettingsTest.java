package dev.gatehouse.appliance.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Options first, then the environment, then the appliance's default files; errors name the source. */
class ConsoleSettingsTest {

    @TempDir
    Path dir;

    private ConsoleSettings resolve(ConsoleOptions o, Map<String, String> env) throws BadOptionException {
        return ConsoleSettings.resolve(o, env, dir.resolve("default.token"), dir.resolve("default.crt"));
    }

    private static ConsoleOptions options() {
        return new ConsoleOptions();
    }

    @Test
    void optionsWinOverTheEnvironment() throws Exception {
        ConsoleOptions o = options();
        o.console = "https://console.example:9443/";
        o.token = "ghk_1_option";
        Map<String, String> env = Map.of("GATEHOUSE_CONSOLE", "https://env.example:1", "GATEHOUSE_TOKEN", "ghk_2_env");
        ConsoleSettings s = resolve(o, env);
        assertThat(s.console()).isEqualTo(URI.create("https://console.example:9443"));
        assertThat(s.token()).isEqualTo("ghk_1_option");
    }

    @Test
    void tokenFileWinsOverTheEnvironmentAndIsTrimmed() throws Exception {
        ConsoleOptions o = options();
        o.tokenFile = Files.writeString(dir.resolve("t"), "ghk_3_file\n");
        assertThat(resolve(o, Map.of("GATEHOUSE_TOKEN", "ghk_2_env")).token()).isEqualTo("ghk_3_file");
    }

    @Test
    void environmentWinsOverTheDefaults() throws Exception {
        Files.writeString(dir.resolve("default.token"), "ghk_4_default\n");
        Path crt = Files.writeString(dir.resolve("env.crt"), "x");
        ConsoleSettings s = resolve(options(), Map.of("GATEHOUSE_CONSOLE", "https://env.example:1",
                "GATEHOUSE_TOKEN", "ghk_2_env", "GATEHOUSE_CACERT", crt.toString()));
        assertThat(s.console()).isEqualTo(URI.create("https://env.example:1"));
        assertThat(s.token()).isEqualTo("ghk_2_env");
        assertThat(s.cacert()).isEqualTo(crt);
    }

    @Test
    void defaultsApplyWhenTheirFilesArePresent() throws Exception {
        Files.writeString(dir.resolve("default.token"), "ghk_4_default\n");
        Files.writeString(dir.resolve("default.crt"), "x");
        ConsoleSettings s = resolve(options(), Map.of());
        assertThat(s.console()).isEqualTo(URI.create("https://127.0.0.1:9443"));
        assertThat(s.token()).isEqualTo("ghk_4_default");
        assertThat(s.cacert()).isEqualTo(dir.resolve("default.crt"));
    }

    @Test
    void withoutCacertTheJdkTrustStoreIsUsed() throws Exception {
        ConsoleOptions o = options();
        o.token = "ghk_1_x";
        assertThat(resolve(o, Map.of()).cacert()).isNull();
    }

    @Test
    void missingTokenNamesWhereOneCanComeFrom() {
        assertThatThrownBy(() -> resolve(options(), Map.of()))
                .isInstanceOf(BadOptionException.class)
                .hasMessage("--token: missing (expected: --token-file FILE, GATEHOUSE_TOKEN, or a readable "
                        + dir.resolve("default.token") + ")");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "http://127.0.0.1:9443 | --console: 'http://127.0.0.1:9443' (expected: https://host:port; the console speaks HTTPS only)",
        "127.0.0.1:9443        | --console: '127.0.0.1:9443' (expected: https://host:port; the console speaks HTTPS only)",
        "https://a b           | --console: 'https://a b' (expected: https://host:port; the console speaks HTTPS only)",
    })
    void refusesAConsoleThatIsNotAnHttpsUrl(String url, String message) {
        ConsoleOptions o = options();
        o.console = url;
        o.token = "ghk_1_x";
        assertThatThrownBy(() -> resolve(o, Map.of())).isInstanceOf(BadOptionException.class).hasMessage(message);
    }

    @Test
    void refusesATokenThatCannotBeAHeaderWithoutEchoingIt() throws Exception {
        ConsoleOptions o = options();
        o.tokenFile = Files.writeString(dir.resolve("t"), "ghk_1_Zq9vX\nghk_2_Zq9vX\n");
        assertThatThrownBy(() -> resolve(o, Map.of()))
                .isInstanceOf(BadOptionException.class)
                .hasMessageStartingWith("--token-file: not a token")
                .hasMessageNotContaining("Zq9vX");
    }

    @Test
    void refusesTokenTogetherWithTokenFile() {
        ConsoleOptions o = options();
        o.token = "ghk_1_x";
        o.tokenFile = dir.resolve("t");
        assertThatThrownBy(() -> resolve(o, Map.of())).hasMessage("--token: given with --token-file (expected: one of them)");
    }

    @Test
    void refusesAnAbsentCacertNamingItsSource() {
        ConsoleOptions o = options();
        o.token = "ghk_1_x";
        assertThatThrownBy(() -> resolve(o, Map.of("GATEHOUSE_CACERT", dir.resolve("absent.crt").toString())))
                .hasMessageStartingWith("GATEHOUSE_CACERT: " + dir.resolve("absent.crt") + ": no such file");
    }

    @Test
    void toStringLeavesTheTokenOut() throws Exception {
        ConsoleOptions o = options();
        o.token = "ghk_1_topsecret";
        assertThat(resolve(o, Map.of()).toString()).doesNotContain("topsecret");
    }
}
