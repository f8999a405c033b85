package dev.gatehouse.appliance.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.TestNode;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's client follows a list's {@code next} cursors over the real console, so {@code ... ls} shows everything. */
class ConsoleApiClientIT {

    @TempDir
    static Path data;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(data);
        for (int i = 0; i < 7; i++) {
            assertThat(node.call("POST", "/v1/tenants", node.adminToken(), "{\"id\":\"list-" + i + "\"}").status())
                    .isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void followsCursorsUntilTheLastPageAndReturnsEveryItemOnce() throws Exception {
        ConsoleApiClient client = ConsoleApiClient.connect(new ConsoleSettings(URI.create(node.consoleUrl()),
                node.adminToken(), node.node.consoleCertificate()));
        JsonNode onePage = client.get("/v1/tenants?limit=2");
        assertThat(onePage.get("items")).hasSize(2);
        assertThat(onePage.get("next").isTextual()).isTrue();

        JsonNode all = client.list("/v1/tenants", 2);
        List<String> ids = new ArrayList<>();
        all.get("items").forEach(t -> ids.add(t.get("id").asText()));
        assertThat(ids).doesNotHaveDuplicates().hasSize(7)
                .containsExactly("list-0", "list-1", "list-2", "list-3", "list-4", "list-5", "list-6");
        assertThat(client.list("/v1/tenants").get("items")).hasSize(7);
    }
}
