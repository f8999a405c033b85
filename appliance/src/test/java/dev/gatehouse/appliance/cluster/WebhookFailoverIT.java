package dev.gatehouse.appliance.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.events.Receiver;
import dev.gatehouse.appliance.events.WebhookSignature;
import dev.gatehouse.appliance.testing.ConsoleClient;
import dev.gatehouse.appliance.testing.NodeCluster;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.NodeProcess;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.testing.Absence;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real node processes sharing one store: the node holding the webhook delivery lease is killed
 * (SIGKILL) while a delivery is in flight at a real receiver on loopback. The other node takes the
 * lease, resumes after the last persisted cursor, and delivers everything; the receiver, deduplicating by
 * {@code Gatehouse-Event-Id}, sees every event exactly once (the in-flight one arrives twice, with the
 * same id and a valid signature), and the survivor reports the dead node's {@code node.left} once and
 * the move of its VIP once.
 */
class WebhookFailoverIT {

    private static final DemoPki PKI = DemoPki.create("Webhook Test CA");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void deliversEveryEventOnceByIdWhenTheDeliveringNodeIsKilledMidDelivery() throws Exception {
        try (NodeCluster cluster = NodeCluster.of(dir, "wh-", 2)) {
            String admin = cluster.startWithTenant(2, i -> String.join("\n",
                    NodeCluster.LOOPBACK_WITH_METRICS,
                    // short lease so that the survivor takes over within seconds
                    "events: {deliveryInterval: 200ms, deliveryTimeout: 4s, deliveryLeaseTtl: 9s, retryMin: 200ms,"
                            + " retryMax: 1s}",
                    cluster.withMembership(i,
                            // the none driver: ownership is decided and reported, no address is touched
                            "ha: {driver: none, failback: 'off', settle: 500ms,",
                            "     vips: ['198.18.0.110/32', '198.18.0.111/32']}")), "acme", "*.acme.test");
            List<NodeProcess> nodes = cluster.nodes;

            AtomicReference<NodeProcess> holder = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (NodeProcess n : nodes) {
                    if (n.console().call("GET", "/v1/status", admin, null).json().at("/events/deliveryHere").asBoolean()) {
                        holder.set(n);
                    }
                }
                assertThat(holder.get()).isNotNull();
            });
            NodeProcess victim = holder.get();
            NodeProcess survivor = nodes.get(0) == victim ? nodes.get(1) : nodes.get(0);
            ConsoleClient c = survivor.console();

            String victimName = victim.dataDir.getParent().getFileName().toString();
            List<String> victimVips = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                victimVips.clear();
                for (JsonNode v : c.call("GET", "/v1/status", admin, null).json().at("/cluster/ha/vips")) {
                    assertThat(v.get("owner").isTextual()).as("every VIP has an owner").isTrue();
                    if (v.get("owner").asText().equals(victimName)) {
                        victimVips.add(v.get("address").asText());
                    }
                }
                assertThat(victimVips).as("one VIP each").hasSize(1);
            });

            CountDownLatch inFlight = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Set<String> distinct = java.util.concurrent.ConcurrentHashMap.newKeySet();
            AtomicReference<String> blockedId = new AtomicReference<>();
            try (Receiver r = new Receiver((n, hit) -> {
                String id = hit.header(WebhookSignature.EVENT_ID);
                if (distinct.add(id) && distinct.size() == 3 && blockedId.compareAndSet(null, id)) {
                    inFlight.countDown(); // the 3rd event: hold the answer until the sender is dead
                    release.await(30, TimeUnit.SECONDS);
                }
                return 200;
            })) {
                TestNode.Reply created = c.call("POST", "/v1/webhooks", admin, "{\"url\":\"" + r.url()
                        + "\",\"tenant\":\"acme\",\"types\":[\"certificate.uploaded\"]}");
                assertThat(created.status()).as(created.body()).isEqualTo(201);
                String hookSecret = created.json().get("secret").asText();
                String hookId = created.json().get("id").asText();

                for (int i = 0; i < 5; i++) {
                    upload(c, admin, "c" + i + ".acme.test");
                }
                assertThat(inFlight.await(60, TimeUnit.SECONDS)).as("the third delivery reached the receiver").isTrue();
                String beforeKill = c.call("GET", "/v1/events", admin, null).json().get("next").asText();
                victim.kill9();
                release.countDown();
                for (int i = 5; i < 7; i++) {
                    upload(c, admin, "c" + i + ".acme.test");
                }

                await().atMost(Duration.ofSeconds(90)).until(() -> distinct.size() == 7);
                Absence.waitOut(Duration.ofMillis(1500), "a duplicate delivery (several delivery ticks)");
                JsonNode page = c.call("GET", "/v1/events?type=certificate.uploaded&tenant=acme", admin, null).json();
                List<String> stored = new ArrayList<>();
                page.get("items").forEach(e -> stored.add(e.get("id").asText()));
                assertThat(stored).hasSize(7);
                assertThat(distinct).containsExactlyInAnyOrderElementsOf(stored);

                Map<String, Integer> times = new LinkedHashMap<>();
                List<Long> cursors = new ArrayList<>();
                for (Receiver.Hit hit : r.hits) {
                    times.merge(hit.header(WebhookSignature.EVENT_ID), 1, Integer::sum);
                    assertThat(WebhookSignature.verify(hookSecret, hit.header(WebhookSignature.HEADER), hit.body(),
                            System.currentTimeMillis() / 1000, 300)).as("signature of %s", new String(hit.body(),
                            StandardCharsets.UTF_8)).isTrue();
                    cursors.add(Long.parseLong(JSON.readTree(hit.body()).get("cursor").asText()));
                }
                assertThat(times.get(blockedId.get())).as("the delivery in flight at the kill is sent again").isEqualTo(2);
                times.remove(blockedId.get());
                assertThat(times.values()).as("every other event once").containsOnly(1);
                assertThat(new LinkedHashSet<>(cursors)).as("in cursor order").isEqualTo(new java.util.TreeSet<>(cursors));

                JsonNode view = c.call("GET", "/v1/webhooks/" + hookId, admin, null).json();
                assertThat(view.at("/delivery/deliveredCursor").asText())
                        .isEqualTo(page.get("items").get(6).get("cursor").asText());
                assertThat(view.at("/delivery/failures").asInt()).isZero();
                assertThat(c.call("GET", "/v1/status", admin, null).json().at("/events/deliveryHere").asBoolean())
                        .isTrue();

                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(leftEvents(c, admin, victimName))
                        .hasSize(1));
                Absence.assertHoldsFor(Duration.ofSeconds(1), () -> assertThat(leftEvents(c, admin, victimName))
                        .as("reported once, by the new coordinator").hasSize(1));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    List<String> moved = new ArrayList<>();
                    c.call("GET", "/v1/events?type=vip.moved&after=" + beforeKill, admin, null).json().get("items")
                            .forEach(e -> {
                                assertThat(e.at("/data/from").asText()).isEqualTo(victimName);
                                assertThat(e.at("/data/to").asText()).isEqualTo(survivor.dataDir.getParent().getFileName()
                                        .toString());
                                assertThat(e.get("tenant").isNull()).as("a cluster event").isTrue();
                                moved.add(e.get("subject").asText());
                            });
                    assertThat(moved).as("each VIP of the dead node moved once").isEqualTo(victimVips);
                });
            }
        }
    }

    private static List<JsonNode> leftEvents(ConsoleClient c, String admin, String node) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        c.call("GET", "/v1/events?type=node.left", admin, null).json().get("items").forEach(e -> {
            if (e.get("subject").asText().equals(node)) {
                out.add(e);
            }
        });
        return out;
    }

    private static void upload(ConsoleClient c, String admin, String name) throws Exception {
        TestNode.Reply r = c.call("POST", "/v1/certificates", admin, NodeFixtures.uploadBody("acme", PKI.issueEc(name)));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }
}
