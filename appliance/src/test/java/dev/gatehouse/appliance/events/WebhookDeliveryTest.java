package dev.gatehouse.appliance.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.NodeLeases;
import dev.gatehouse.appliance.testing.Services;
import dev.gatehouse.cluster.lease.LocalLeases;
import dev.gatehouse.tls.testing.Absence;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhook delivery to a real HTTP receiver on loopback: signatures, retries with backoff, order, filters. */
class WebhookDeliveryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Principal ADMIN = new Principal("admin", Principal.ADMIN);

    @TempDir
    Path dir;
    private Services services;
    private Events events;
    private WebhookService webhooks;
    private WebhookDelivery delivery;

    @BeforeEach
    void setUp() throws Exception {
        services = new Services(dir);
        services.putTenants("acme", "Acme", "globex", "Globex");
        events = services.events();
        // the receivers are on loopback: allowed here, refused by default (see the private-target tests)
        webhooks = new WebhookService(services.store, events, Clock.systemUTC(), true);
        delivery = delivery(true);
    }

    private WebhookDelivery delivery(boolean allowPrivate) {
        return new WebhookDelivery(services.store, events, new NodeLeases(new LocalLeases(Clock.systemUTC()), "node1"),
                new WebhookDelivery.Settings(Duration.ofMillis(50), Duration.ofSeconds(30), Duration.ofSeconds(5),
                        Duration.ofMillis(100), Duration.ofMillis(400), allowPrivate), Clock.systemUTC(),
                "Gatehouse/test");
    }

    @AfterEach
    void tearDown() throws Exception {
        delivery.close();
        services.close();
    }

    @Test
    void signsEachDeliverySoThatTheReceiverCanVerifyIt() throws Exception {
        try (Receiver r = Receiver.answering(() -> 204)) {
            WebhookService.Created c = webhooks.create(ADMIN, "acme", r.url(), List.of(), "test");
            events.emit(EventTypes.DOMAIN_VERIFIED, "acme", "a.acme.test", Map.of("name", "a.acme.test"));
            delivery.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> r.hits.size() == 1);
            Receiver.Hit hit = r.hits.get(0);
            long now = System.currentTimeMillis() / 1000;
            assertThat(WebhookSignature.verify(c.secret(), hit.header("Gatehouse-Signature"), hit.body(), now, 300))
                    .as("signature over t.body with the secret shown at creation").isTrue();
            assertThat(WebhookSignature.verify("whsec_wrong", hit.header("Gatehouse-Signature"), hit.body(), now, 300))
                    .isFalse();
            byte[] tampered = (new String(hit.body(), StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8);
            assertThat(WebhookSignature.verify(c.secret(), hit.header("Gatehouse-Signature"), tampered, now, 300))
                    .isFalse();
            assertThat(hit.header("Gatehouse-Signature")).matches("t=\\d+,v1=[0-9a-f]{64}");
            JsonNode body = JSON.readTree(hit.body());
            assertThat(body.get("type").asText()).isEqualTo("domain.verified");
            assertThat(body.get("tenant").asText()).isEqualTo("acme");
            assertThat(hit.header("Gatehouse-Event-Id")).isEqualTo(body.get("id").asText()).startsWith("evt_");
            assertThat(hit.header("Gatehouse-Event-Type")).isEqualTo("domain.verified");
            assertThat(hit.header("Gatehouse-Webhook-Id")).isEqualTo(c.webhook().id());
            assertThat(hit.header("Gatehouse-Delivery-Attempt")).isEqualTo("1");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                Map<String, Object> v = delivery(c);
                assertThat(v).containsEntry("delivered", 1L).containsEntry("lastStatus", 204)
                        .containsEntry("deliveredCursor", body.get("cursor").asText());
            });
        }
    }

    @Test
    void retriesAReceiverAnswering500WithBackoffThenDeliversOnce() throws Exception {
        try (Receiver r = new Receiver((n, h) -> n <= 3 ? 500 : 200)) {
            WebhookService.Created c = webhooks.create(ADMIN, null, r.url(), List.of(), null);
            events.emit(EventTypes.CERTIFICATE_UPLOADED, "acme", "crt_1", Map.of("id", "crt_1"));
            delivery.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> r.hits.size() >= 3);
            Map<String, Object> failing = delivery(c);
            assertThat(failing.get("failures")).isIn(2, 3);
            assertThat(failing.get("lastStatus")).isEqualTo(500);
            assertThat((String) failing.get("lastError")).contains("answered 500");
            assertThat(failing.get("nextAttemptAt")).isNotNull();
            assertThat(failing.get("pendingEvent")).isEqualTo(r.hits.get(0).header("Gatehouse-Event-Id"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(delivery(c))
                    .containsEntry("delivered", 1L).containsEntry("failures", 0).containsEntry("lastStatus", 200));
            events.emit(EventTypes.CERTIFICATE_DELETED, "acme", "crt_1", Map.of("id", "crt_1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> r.hits.size() == 5);
            Absence.assertHoldsFor(Duration.ofMillis(300), () -> assertThat(r.hits).as("a few more ticks: nothing is sent"
                    + " again").hasSize(5));
            List<String> ids = r.hits.stream().map(h -> h.header("Gatehouse-Event-Id")).toList();
            assertThat(ids.subList(0, 4)).as("the same event retried until acknowledged").containsOnly(ids.get(0));
            assertThat(ids.get(4)).isNotEqualTo(ids.get(0));
            assertThat(r.hits.stream().map(h -> h.header("Gatehouse-Delivery-Attempt")).toList())
                    .containsExactly("1", "2", "3", "4", "1");
        }
    }

    @Test
    void backoffDoublesUpToItsCap() {
        Duration first = Duration.ofSeconds(5);
        Duration max = Duration.ofMinutes(1);
        assertThat(List.of(1, 2, 3, 4, 5, 6, 40).stream().map(n -> WebhookDelivery.backoff(first, max, n)).toList())
                .containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20),
                        Duration.ofSeconds(40), Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMinutes(1));
    }

    @Test
    void deliversOnlyTheSubscribedTenantsEventsOfTheSubscribedTypesInCursorOrder() throws Exception {
        try (Receiver r = Receiver.answering(() -> 200)) {
            webhooks.create(new Principal("t1", "tenant:acme"), null, r.url(), List.of("certificate.uploaded",
                    "certificate.deleted"), null);
            for (int i = 0; i < 5; i++) {
                events.emit(EventTypes.CERTIFICATE_UPLOADED, "acme", "crt_a" + i, Map.of());
                events.emit(EventTypes.CERTIFICATE_UPLOADED, "globex", "crt_g" + i, Map.of());
                events.emit(EventTypes.DOMAIN_VERIFIED, "acme", "d" + i, Map.of());
            }
            events.emit(EventTypes.NODE_LEFT, null, "node2", Map.of());
            events.emit(EventTypes.CERTIFICATE_DELETED, "acme", "crt_a0", Map.of());
            delivery.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> r.hits.size() == 6);
            Absence.assertHoldsFor(Duration.ofMillis(300), () -> assertThat(r.hits).as("a few more ticks: nothing else"
                    + " is sent").hasSize(6));
            List<JsonNode> bodies = r.hits.stream().map(h -> {
                try {
                    return JSON.readTree(h.body());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }).toList();
            assertThat(bodies).hasSize(6);
            assertThat(bodies.stream().map(b -> b.get("subject").asText()).toList())
                    .containsExactly("crt_a0", "crt_a1", "crt_a2", "crt_a3", "crt_a4", "crt_a0");
            assertThat(bodies.stream().map(b -> b.get("tenant").asText()).collect(Collectors.toSet()))
                    .isEqualTo(Set.of("acme"));
            assertThat(bodies.stream().mapToLong(b -> Long.parseLong(b.get("cursor").asText())).toArray())
                    .isSorted();
        }
    }

    @Test
    void aNewWebhookStartsAfterTheEventsBeforeIt() throws Exception {
        try (Receiver r = Receiver.answering(() -> 200)) {
            events.emit(EventTypes.CERTIFICATE_UPLOADED, "acme", "old", Map.of());
            webhooks.create(ADMIN, null, r.url(), List.of(), null);
            events.emit(EventTypes.CERTIFICATE_UPLOADED, "acme", "new", Map.of());
            delivery.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> r.hits.size() == 1);
            Absence.assertHoldsFor(Duration.ofMillis(300), () -> assertThat(r.hits).as("the event before the webhook"
                    + " is not sent").hasSize(1));
            assertThat(JSON.readTree(r.hits.get(0).body()).get("subject").asText()).isEqualTo("new");
        }
    }

    @Test
    void refusesATenantsWebhookToAPrivateAddressByDefault() throws Exception {
        WebhookService strict = new WebhookService(services.store, events, Clock.systemUTC());
        Principal tenant = new Principal("t1", "tenant:acme");
        for (String url : List.of("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://169.254.169.254/",
                "http://10.1.2.3/", "http://[::1]/", "http://[fd00::1]/", "http://100.64.0.1/")) {
            assertThatThrownBy(() -> strict.create(tenant, null, url, List.of(), null))
                    .as(url).isInstanceOf(dev.gatehouse.appliance.core.ServiceException.class)
                    .hasMessageContaining("a private address");
        }
        assertThat(strict.create(new Principal("admin", Principal.ADMIN), "acme", "http://127.0.0.1:8080/hook",
                List.of(), null).webhook().restricted()).as("an admin's webhook is the operator's choice").isFalse();
    }

    @Test
    void doesNotSendATenantsWebhookToAPrivateAddressAtDeliveryEither() throws Exception {
        delivery.close();
        delivery = delivery(false);
        try (Receiver r = Receiver.answering(() -> 200)) {
            // created while private targets were allowed (or the name resolved elsewhere then)
            WebhookService.Created c = webhooks.create(new Principal("t1", "tenant:acme"), null, r.url(), List.of(),
                    null);
            events.emit(EventTypes.DOMAIN_VERIFIED, "acme", "a.acme.test", Map.of());
            delivery.start();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat((String) delivery(c).get("lastError"))
                    .contains("private address"));
            assertThat(r.hits).isEmpty();
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> delivery(WebhookService.Created c) throws Exception {
        return (Map<String, Object>) webhooks.view(webhooks.get(ADMIN, c.webhook().id())).get("delivery");
    }
}
