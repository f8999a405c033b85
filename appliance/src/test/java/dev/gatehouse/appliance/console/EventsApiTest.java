package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.events.EventTypes;
import dev.gatehouse.appliance.events.Events;
import dev.gatehouse.appliance.testing.Services;
import dev.gatehouse.cluster.store.EventRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.tls.testing.Absence;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code /v1/events} and {@code /v1/webhooks} through the console's route table over a real file
 * store: tenant isolation, cursor paging, long-poll, URL validation, events emitted by the services.
 */
class EventsApiTest extends ConsoleFixture {

    private Events events;

    @Override
    Events prepare(Services services) throws Exception {
        services.putTenants("acme", "Acme", "globex", "Globex");
        events = services.events();
        services.domains.events(events);
        services.certificates.events(events);
        return events;
    }

    @Test
    void aTenantReadsOnlyItsOwnEventsAndAnAdminReadsAll() {
        events.emit(EventTypes.CERTIFICATE_UPLOADED, "acme", "crt_a", Map.of());
        events.emit(EventTypes.CERTIFICATE_UPLOADED, "globex", "crt_g", Map.of());
        events.emit(EventTypes.NODE_LEFT, null, "node2", Map.of());

        JsonNode mine = json(call("GET", "/v1/events", acme, null));
        assertThat(mine.get("items")).extracting(n -> n.get("subject").asText()).containsExactly("crt_a");
        JsonNode theirs = json(call("GET", "/v1/events", globex, null));
        assertThat(theirs.get("items")).extracting(n -> n.get("subject").asText()).containsExactly("crt_g");
        JsonNode all = json(call("GET", "/v1/events", admin, null));
        assertThat(all.get("items")).extracting(n -> n.get("subject").asText())
                .containsExactly("crt_a", "crt_g", "node2");
        JsonNode adminFiltered = json(call("GET", "/v1/events?tenant=globex", admin, null));
        assertThat(adminFiltered.get("items")).extracting(n -> n.get("subject").asText()).containsExactly("crt_g");

        ApiResponse peek = call("GET", "/v1/events?tenant=globex", acme, null);
        assertThat(peek.status()).isEqualTo(403);
        assertThat(json(peek).toString()).doesNotContain("crt_g");
    }

    @Test
    void aTenantCannotSeeSubscribeToOrDeleteAnotherTenantsWebhooks() {
        ApiResponse created = call("POST", "/v1/webhooks", globex, "{\"url\":\"https://hooks.globex.test/in\"}");
        assertThat(created.status()).isEqualTo(201);
        JsonNode g = json(created);
        assertThat(g.get("secret").asText()).startsWith("whsec_");
        assertThat(g.get("tenant").asText()).isEqualTo("globex");
        String id = g.get("id").asText();

        assertThat(call("GET", "/v1/webhooks/" + id, acme, null).status()).as("not revealed").isEqualTo(404);
        assertThat(call("DELETE", "/v1/webhooks/" + id, acme, null).status()).isEqualTo(404);
        assertThat(json(call("GET", "/v1/webhooks", acme, null)).get("items")).isEmpty();
        ApiResponse forOther = call("POST", "/v1/webhooks", acme,
                "{\"url\":\"https://evil.test/\",\"tenant\":\"globex\"}");
        assertThat(forOther.status()).isEqualTo(403);

        JsonNode seen = json(call("GET", "/v1/webhooks/" + id, globex, null));
        assertThat(seen.has("secret")).as("the secret is shown once").isFalse();
        assertThat(seen.get("delivery").get("delivered").asLong()).isZero();
        assertThat(json(call("GET", "/v1/webhooks", admin, null)).get("items")).hasSize(1);
        assertThat(call("DELETE", "/v1/webhooks/" + id, globex, null).status()).isEqualTo(204);
        assertThat(call("GET", "/v1/webhooks/" + id, globex, null).status()).isEqualTo(404);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ftp://hooks.test/in | scheme 'ftp'",
            "https://user:pw@hooks.test/in | user information",
            "/relative | scheme ''",
            "https:///nohost | no host",
            "https://hooks.test/in#frag | fragment",
            "http://hooks.test/ withspace | does not parse"})
    void refusesABadWebhookUrlNamingTheField(String url, String why) {
        ApiResponse r = call("POST", "/v1/webhooks", admin, "{\"url\":\"" + url + "\"}");
        assertThat(r.status()).isEqualTo(422);
        JsonNode p = json(r);
        assertThat(p.get("type").asText()).endsWith("/invalid-webhook-url");
        assertThat(p.get("field").asText()).isEqualTo("url");
        assertThat(p.get("detail").asText()).contains(why);
    }

    @Test
    void refusesAnOverlongUrlAndUnknownTypes() {
        ApiResponse r = call("POST", "/v1/webhooks", admin, "{\"url\":\"https://h.test/" + "a".repeat(2100) + "\"}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(json(r).get("detail").asText()).contains("at most 2048");
        ApiResponse t = call("POST", "/v1/webhooks", admin, "{\"url\":\"https://h.test/\",\"types\":[\"dns.boom\"]}");
        assertThat(t.status()).isEqualTo(422);
        assertThat(json(t).get("field").asText()).isEqualTo("types");
        ApiResponse missing = call("POST", "/v1/webhooks", acme, "{}");
        assertThat(json(missing).get("field").asText()).isEqualTo("url");
    }

    @Test
    void pagesThroughEventsWithTheCursor() {
        for (int i = 0; i < 7; i++) {
            events.emit(EventTypes.DOMAIN_VERIFIED, "acme", "d" + i + ".acme.test", Map.of());
        }
        List<String> seen = new ArrayList<>();
        String after = "0";
        for (int page = 0; page < 10; page++) {
            JsonNode p = json(call("GET", "/v1/events?limit=3&after=" + after, acme, null));
            if (p.get("items").isEmpty()) {
                break;
            }
            assertThat(p.get("items").size()).isLessThanOrEqualTo(3);
            p.get("items").forEach(n -> seen.add(n.get("subject").asText()));
            after = p.get("next").asText();
        }
        assertThat(seen).containsExactly("d0.acme.test", "d1.acme.test", "d2.acme.test", "d3.acme.test",
                "d4.acme.test", "d5.acme.test", "d6.acme.test");
        assertThat(call("GET", "/v1/events?limit=0", acme, null).status()).isEqualTo(400);
        assertThat(call("GET", "/v1/events?wait=31", acme, null).status()).isEqualTo(400);
        assertThat(call("GET", "/v1/events?after=x", acme, null).status()).isEqualTo(400);
    }

    @Test
    void aLongPollReturnsWhenTheTenantsEventArrives() throws Exception {
        events.emit(EventTypes.DOMAIN_VERIFIED, "acme", "old.acme.test", Map.of());
        String after = json(call("GET", "/v1/events", acme, null)).get("next").asText();
        CompletableFuture<ApiResponse> poll = CompletableFuture.supplyAsync(
                () -> call("GET", "/v1/events?wait=20&after=" + after, acme, null));
        Absence.waitOut(Duration.ofMillis(300), "the poll's request reaching its wait (or an early answer)");
        assertThat(poll).as("the poll waits").isNotDone();
        events.emit(EventTypes.DOMAIN_VERIFIED, "globex", "other.globex.test", Map.of());
        Absence.assertHoldsFor(Duration.ofMillis(300), () -> assertThat(poll)
                .as("another tenant's event does not end the wait").isNotDone());
        events.emit(EventTypes.DOMAIN_VERIFIED, "acme", "new.acme.test", Map.of());
        JsonNode got = json(poll.get(10, TimeUnit.SECONDS));
        assertThat(got.get("items")).extracting(n -> n.get("subject").asText()).containsExactly("new.acme.test");
    }

    @Test
    void holdsAPageBackAtAYoungHoleInTheSequenceAndPassesAnOldOne() throws Exception {
        long now = System.currentTimeMillis();
        services.store.put(RecordKinds.EVENTS, new EventRecord("evt_1", 1, "domain.verified", "acme", "one", Map.of(), "n", now, 1));
        services.store.put(RecordKinds.EVENTS, new EventRecord("evt_3", 3, "domain.verified", "acme", "three", Map.of(), "n", now, 3));
        Events.Page young = events.after(0, 100, e -> true);
        assertThat(young.items()).extracting(EventRecord::id).containsExactly("evt_1");
        assertThat(young.next()).isEqualTo(1);
        services.store.put(RecordKinds.EVENTS, new EventRecord("evt_5", 5, "domain.verified", "acme", "five", Map.of(), "n",
                now - Duration.ofSeconds(6).toMillis(), 5));
        services.store.put(RecordKinds.EVENTS, new EventRecord("evt_2", 2, "domain.verified", "acme", "two", Map.of(), "n", now, 2));
        Events.Page later = events.after(1, 100, e -> true);
        assertThat(later.items()).as("2 arrived and fills the hole; the hole at 4 is older than the hold-back")
                .extracting(EventRecord::id).containsExactly("evt_2", "evt_3", "evt_5");
        assertThat(later.next()).isEqualTo(5);
    }

    @Test
    void theServicesEmitDomainEvents() throws Exception {
        ApiResponse claimed = call("POST", "/v1/domains", admin,
                "{\"name\":\"shop.acme.test\",\"tenant\":\"acme\",\"verified\":true}");
        assertThat(claimed.status()).isEqualTo(201);
        JsonNode got = json(call("GET", "/v1/events?type=domain.verified", acme, null));
        assertThat(got.get("items")).hasSize(1);
        JsonNode e = got.get("items").get(0);
        assertThat(e.get("subject").asText()).isEqualTo("shop.acme.test");
        assertThat(e.get("data").get("method").asText()).isEqualTo("admin");
        assertThat(json(call("GET", "/v1/events", globex, null)).get("items")).isEmpty();
    }

    @Test
    void aDroppedClaimIsReportedToItsTenantWithoutNamingTheWinner() {
        assertThat(call("POST", "/v1/domains", globex, "{\"name\":\"shop.contest.test\"}").status()).isEqualTo(201);
        assertThat(call("POST", "/v1/domains", admin,
                "{\"name\":\"shop.contest.test\",\"tenant\":\"acme\",\"verified\":true}").status())
                .isEqualTo(201);
        JsonNode lost = json(call("GET", "/v1/events?type=domain.failed", globex, null));
        assertThat(lost.get("items")).singleElement().satisfies(e -> {
            assertThat(e.get("subject").asText()).isEqualTo("shop.contest.test");
            assertThat(e.at("/data/reason").asText()).startsWith("dropped: ");
        });
        assertThat(lost.toString()).doesNotContain("acme");
        assertThat(json(call("GET", "/v1/events?type=domain.verified", acme, null)).get("items")).hasSize(1);
    }

    @Test
    void retentionDeletesTheOldestBeyondTheBounds() throws Exception {
        Events small = new Events(services.store, "node1", Clock.systemUTC(),
                new Events.Settings(3, Duration.ofDays(1), Duration.ofSeconds(5), 1));
        for (int i = 0; i < 5; i++) {
            small.emit(EventTypes.DOMAIN_VERIFIED, "acme", "d" + i, Map.of());
        }
        services.store.put(RecordKinds.EVENTS, new EventRecord("evt_ancient", 0, "domain.verified", "acme", "ancient", Map.of(), "n",
                System.currentTimeMillis() - Duration.ofDays(2).toMillis(), services.store.nextRevision()));
        assertThat(small.prune()).isEqualTo(3);
        assertThat(services.store.events()).extracting(EventRecord::subject).containsExactlyInAnyOrder("d2", "d3",
                "d4");
    }
}
