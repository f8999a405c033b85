package dev.gatehouse.appliance.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logging.format: json} on a running node (the packaged jar as a process): once the
 * configuration is read, every line on its output is one logback JSON object with a UTC timestamp,
 * and a logger switched to DEBUG through the console writes its DEBUG lines in the same form.
 */
class JsonLogIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyLineAfterStartIsAJsonObjectAndRuntimeLevelsApply() throws Exception {
        try (NodeProcess node = new NodeProcess(dir.resolve("json-node"), String.join("\n",
                "listeners: {https: '127.0.0.1:0', http: 'off'}",
                "console: {listen: '127.0.0.1:0'}",
                "metrics: {enabled: false}",
                "logging: {format: json}", ""))) {
            node.start().awaitReady();
            String admin = Files.readString(node.dataDir.resolve("admin.token")).trim();
            assertThat(node.console().call("PUT", "/v1/log-levels/dev.gatehouse.tls.sni.TenantSniHandler", admin,
                    "{\"level\":\"DEBUG\"}").status()).isEqualTo(200);
            // a real client asks for a name nobody serves: refused, logged at DEBUG by the SNI handler
            Process client = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + node.httpsPort,
                    "-servername", "nobody-serves-this.test").redirectErrorStream(true).start();
            client.getOutputStream().close();
            assertThat(client.waitFor(20, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> node.log.stream()
                    .anyMatch(l -> l.contains("event=handshake_refused") && l.contains("nobody-serves-this.test")));

            List<String> lines = new ArrayList<>(node.log);
            int first = -1;
            for (int i = 0; i < lines.size() && first < 0; i++) {
                if (lines.get(i).startsWith("{")) {
                    first = i;
                }
            }
            assertThat(first).as("a JSON line in %s", lines).isGreaterThanOrEqualTo(0);
            List<JsonNode> objects = new ArrayList<>();
            for (String l : lines.subList(first, lines.size())) {
                JsonNode j = JSON.readTree(l); // throws on any line that is not one whole JSON object
                assertThat(j.isObject()).as(l).isTrue();
                assertThat(j.get("timestamp").asLong()).as("epoch ms in %s", l)
                        .isBetween(Instant.now().minusSeconds(600).toEpochMilli(), Instant.now().toEpochMilli());
                assertThat(j.get("level").asText()).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
                assertThat(j.get("loggerName").asText()).isNotEmpty();
                objects.add(j);
            }
            assertThat(objects).anyMatch(j -> j.get("formattedMessage").asText().contains("event=node_ready"));
            assertThat(objects).anyMatch(j -> j.get("level").asText().equals("DEBUG")
                    && j.get("loggerName").asText().equals("dev.gatehouse.tls.sni.TenantSniHandler")
                    && j.get("formattedMessage").asText().contains("reason=UNKNOWN_SNI"));
        }
    }
}
