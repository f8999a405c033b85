package dev.gatehouse.appliance.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.NodeCluster;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered nodes in this JVM (each its own Hazelcast member): an admin's {@code GET /v1/sni/{name}}
 * on either node carries the other member's answer, asked through the grid's executor; a tenant's
 * carries only the node it asked.
 */
class SniExplainClusterIT {

    private static final DemoPki PKI = DemoPki.create("Explain Cluster CA");
    @TempDir
    Path dir;

    @Test
    void anAdminSeesEveryMembersAnswer() throws Exception {
        NodeCluster cluster = NodeCluster.of(dir, "explain-it-", 2);
        try (TestNode nodeA = new TestNode(dir.resolve("a"), "node-a", cluster.grid(0));
                TestNode nodeB = new TestNode(dir.resolve("b"), "node-b", cluster.grid(1))) {
            String admin = nodeA.adminToken();
            await().atMost(Duration.ofSeconds(30)).until(() -> nodeB.call("GET", "/v1/tokens", admin, null)
                    .status() == 200);
            assertThat(nodeA.call("POST", "/v1/tenants", admin, "{\"id\":\"tenant-a\"}").status()).isEqualTo(201);
            assertThat(nodeA.call("POST", "/v1/tenants/tenant-a/domains", admin, "{\"name\":\"*.tenant-a.test\"}")
                    .status()).isEqualTo(200);
            String id = SniExplainIT.upload(nodeA, admin, "tenant-a", PKI.issueEc("app.tenant-a.test"));
            // node B serves it once the grid's change event has reached it
            await().atMost(Duration.ofSeconds(20)).until(() -> id.equals(SniExplainIT.explain(nodeB, admin,
                    "app.tenant-a.test").at("/served/ecdsa").asText()));

            for (TestNode[] pair : new TestNode[][] {{nodeA, nodeB}, {nodeB, nodeA}}) {
                String here = pair[0] == nodeA ? "node-a" : "node-b";
                String there = pair[0] == nodeA ? "node-b" : "node-a";
                JsonNode e = SniExplainIT.explain(pair[0], admin, "app.tenant-a.test");
                assertThat(e.get("node").asText()).isEqualTo(here);
                assertThat(e.get("match").asText()).isEqualTo("exact");
                assertThat(e.get("otherMembers")).hasSize(1);
                JsonNode other = e.get("otherMembers").get(0);
                assertThat(other.get("error").isNull()).as(other.toString()).isTrue();
                assertThat(other.get("node").asText()).isEqualTo(there);
                assertThat(other.get("member").asText())
                        .isEqualTo(cluster.members.get(pair[0] == nodeA ? 1 : 0));
                assertThat(other.get("match").asText()).isEqualTo("exact");
                assertThat(other.at("/served/ecdsa").asText()).isEqualTo(id);
                assertThat(SniExplainIT.candidate(other, id).get("tenant").asText()).isEqualTo("tenant-a");
                assertThat(other.has("otherMembers")).as("no fan-out from a member").isFalse();
            }

            TestNode.Reply t = nodeA.call("POST", "/v1/tokens", admin, "{\"scope\":\"tenant:tenant-a\"}");
            JsonNode tenant = SniExplainIT.explain(nodeB, t.json().get("token").asText(), "app.tenant-a.test");
            assertThat(tenant.get("node").asText()).isEqualTo("node-b");
            assertThat(tenant.has("otherMembers")).isFalse();
        }
    }
}
