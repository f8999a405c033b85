package dev.gatehouse.cluster.vip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The VIP messages stay readable across a rolling upgrade (release N next to N-1). The fixtures under
 * {@code src/test/resources/compat/v1/vip/} are what the release before these records broadcast
 * (captured from its VipManager's broadcaster, byte for byte; never regenerate them): this release
 * reads them, and writes the same JSON (plus {@code v}, which that release ignores: it read fields by
 * name with {@code readTree}).
 */
class VipMessageTest {

    private static final ObjectMapper TREE = new ObjectMapper();
    private static final Path FIXTURES = Path.of("src/test/resources/compat/v1/vip");

    private static byte[] fixture(String name) throws IOException {
        return Files.readAllBytes(FIXTURES.resolve(name));
    }

    @Test
    void readsAHealthyReportAsThePreviousReleaseWroteIt() throws Exception {
        VipMessage m = VipMessage.read(fixture("health-healthy.json"));
        assertThat(m).isEqualTo(new VipMessage.HealthReport(1, "a|1", true,
                List.of("198.18.0.100", "198.18.0.101"), 1796136813784L));
    }

    @Test
    void readsAnUnhealthyReportAsThePreviousReleaseWroteIt() throws Exception {
        VipMessage m = VipMessage.read(fixture("health-unhealthy.json"));
        assertThat(m).isEqualTo(new VipMessage.HealthReport(1, "b|7", false, List.of(), null));
    }

    @Test
    void readsAPlanAsThePreviousReleaseWroteIt() throws Exception {
        VipMessage m = VipMessage.read(fixture("plan.json"));
        assertThat(m).isEqualTo(new VipMessage.PlanBroadcast(1, "a|1", 1,
                Map.of("198.18.0.100", "a", "198.18.0.101", "a")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"health-healthy.json", "health-unhealthy.json", "plan.json"})
    void writesWhatThePreviousReleaseWroteWithTheVersionAdded(String name) throws Exception {
        byte[] old = fixture(name);
        JsonNode written = TREE.readTree(VipMessage.write(VipMessage.read(old)));
        assertThat(written.fieldNames().next()).as("the type comes first, as before").isEqualTo("t");
        assertThat(written.path("v").asInt()).isEqualTo(VipMessage.VERSION);
        ((ObjectNode) written).remove("v");
        assertThat(written).as("same field names, types and values as the previous release").isEqualTo(TREE.readTree(old));
    }

    @Test
    void writesWhatThePreviousReleaseReadsFromANewReport() throws Exception {
        byte[] bytes = VipMessage.write(VipMessage.HealthReport.of("b|3", Health.healthySince(Instant.ofEpochMilli(42)),
                List.of("198.18.0.100")));
        // the previous release's reader, as it was: readTree, then fields by name
        JsonNode msg = TREE.readTree(bytes);
        assertThat(msg.path("t").asText()).isEqualTo("health");
        assertThat(msg.path("healthy").asBoolean(false)).isTrue();
        assertThat(msg.path("since").asLong()).isEqualTo(42);
        assertThat(msg.path("view").asText()).isEqualTo("b|3");
        assertThat(msg.path("held").isArray()).isTrue();
        assertThat(msg.path("held").get(0).asText()).isEqualTo("198.18.0.100");
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(
                "{\"t\":\"health\",\"v\":1,\"view\":\"b|3\",\"healthy\":true,\"held\":[\"198.18.0.100\"],\"since\":42}");
    }

    @Test
    void ignoresFieldsANewerReleaseAdds() throws Exception {
        byte[] newer = "{\"t\":\"plan\",\"v\":2,\"view\":\"a|4\",\"seq\":9,\"owners\":{\"198.18.0.100\":\"b\"},\"term\":7}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(VipMessage.read(newer)).isEqualTo(new VipMessage.PlanBroadcast(2, "a|4", 9, Map.of("198.18.0.100", "b")));
    }

    @Test
    void aTypeThisReleaseDoesNotKnowReadsAsNothing() throws Exception {
        assertThat(VipMessage.read("{\"t\":\"lease\",\"v\":2}".getBytes(StandardCharsets.UTF_8))).isNull();
    }

    @Test
    void refusesWhatIsNotJson() {
        assertThatThrownBy(() -> VipMessage.read("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class);
    }
}
