package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.events.Events;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.Services;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.tls.demo.DemoPki;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The API conventions for integrators, through the console's route table over a real file store:
 * cursor paging of every list, {@code Idempotency-Key} on POSTs, {@code If-Match}/{@code ETag} on
 * writes, and tenant isolation of all three.
 */
class ApiConventionsTest extends ConsoleFixture {

    private static final DemoPki PKI = DemoPki.create("Conventions Test CA");
    private static final Principal ROOT = new Principal("root", "admin");

    @Override
    Events prepare(Services services) throws Exception {
        services.tenants.create(ROOT, "acme", "Acme");
        services.tenants.create(ROOT, "globex", "Globex");
        services.domains.claim(ROOT, "acme", "*.acme.test", true);
        services.domains.claim(ROOT, "globex", "*.globex.test", true);
        return services.events();
    }

    // ---- paging ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tenants", "domains", "certificates", "tokens", "pools", "routes", "log-levels",
        "webhooks"})
    void pagesThroughEveryListReturningEachItemExactlyOnce(String list) throws Exception {
        seed(list, 7);
        JsonNode whole = json(call("GET", "/v1/" + list + "?limit=1000", admin, null));
        assertThat(whole.get("next").isNull()).as("one page holds all").isTrue();
        List<String> all = keys(list, whole.get("items"));
        assertThat(all).hasSizeGreaterThan(5);

        List<String> paged = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ApiResponse r = call("GET", "/v1/" + list + "?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), admin,
                    null);
            assertThat(r.status()).as("%s page %d: %s", list, pages, r.body()).isEqualTo(200);
            JsonNode page = json(r);
            assertThat(page.get("items").size()).isLessThanOrEqualTo(2);
            paged.addAll(keys(list, page.get("items")));
            cursor = page.get("next").isNull() ? null : page.get("next").asText();
            pages++;
        } while (cursor != null && pages < 100);
        assertThat(paged).as("every item once, in the same order").isEqualTo(all);
        assertThat(pages).isEqualTo((all.size() + 1) / 2);
    }

    @Test
    void refusesALimitOutsideOneToAThousand() {
        for (String bad : List.of("0", "1001", "x")) {
            ApiResponse r = call("GET", "/v1/tenants?limit=" + bad, admin, null);
            assertThat(r.status()).isEqualTo(400);
            assertThat(problem(r)).containsEntry("field", "limit");
            assertThat((String) problem(r).get("detail")).startsWith("limit: ").contains("(expected: 1-1000)");
        }
    }

    @Test
    void aTenantPagesOnlyItsOwnItemsAndCannotUseOrCraftAnotherTenantsCursor() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(call("POST", "/v1/certificates", acme, upload("acme", "a" + i + ".acme.test")).status())
                    .isEqualTo(201);
            assertThat(call("POST", "/v1/certificates", globex, upload("globex", "g" + i + ".globex.test")).status())
                    .isEqualTo(201);
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        String firstNext = null;
        do {
            JsonNode page = json(call("GET", "/v1/certificates?limit=1" + (cursor == null ? "" : "&cursor=" + cursor),
                    acme, null));
            page.get("items").forEach(c -> seen.add(c.get("tenant").asText()));
            cursor = page.get("next").isNull() ? null : page.get("next").asText();
            firstNext = firstNext == null ? cursor : firstNext;
        } while (cursor != null);
        assertThat(seen).containsExactly("acme", "acme", "acme");

        // acme's cursor with globex's token: refused, not reinterpreted
        assertInvalidCursor(call("GET", "/v1/certificates?limit=1&cursor=" + firstNext, globex, null));
        // a cursor crafted for globex's scope, sent with acme's token: the tag binds it to the scope
        String forGlobex = Paging.cursor(new Principal("x", "tenant:globex"), "certificates", "crt_0");
        assertInvalidCursor(call("GET", "/v1/certificates?cursor=" + forGlobex, acme, null));
        // a cursor acme mints for its own scope only skips: it shows nothing of globex
        String skip = Paging.cursor(new Principal("x", "tenant:acme"), "certificates", "crt_0");
        assertThat(json(call("GET", "/v1/certificates?cursor=" + skip, acme, null)).get("items"))
                .hasSize(3).allMatch(c -> c.get("tenant").asText().equals("acme"));
        // another list's cursor, an edited key, garbage, and a bare id
        JsonNode tenants = json(call("GET", "/v1/tenants?limit=1", admin, null));
        String tenantCursor = tenants.get("next").asText();
        assertInvalidCursor(call("GET", "/v1/certificates?cursor=" + tenantCursor, admin, null));
        assertInvalidCursor(call("GET", "/v1/tenants?cursor=z" + tenantCursor, admin, null));
        assertInvalidCursor(call("GET", "/v1/certificates?cursor=%%%", acme, null));
        assertInvalidCursor(call("GET", "/v1/certificates?cursor=crt_0123456789abcdef", acme, null));
    }

    private static void assertInvalidCursor(ApiResponse r) {
        assertThat(r.status()).as("%s", r.body()).isEqualTo(400);
        assertThat(problem(r)).containsEntry("type", "https://gatehouse.dev/problems/invalid-cursor")
                .containsEntry("field", "cursor");
        assertThat((String) problem(r).get("detail")).startsWith("cursor: '");
    }

    // ---- Idempotency-Key ------------------------------------------------------------------

    @Test
    void aRetriedUploadWithTheSameKeyGivesOneCertificateAndTheSameAnswer() throws Exception {
        String body = upload("acme", "shop.acme.test");
        ApiResponse first = call("POST", "/v1/certificates", acme, body, "Idempotency-Key", "upload-1");
        ApiResponse retry = call("POST", "/v1/certificates", acme, body, "Idempotency-Key", "upload-1");
        assertThat(first.status()).isEqualTo(201);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(json(retry)).isEqualTo(json(first));
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(services.store.certificates()).hasSize(1);

        // same key, another body: 422 naming the conflict, and still one certificate
        ApiResponse other = call("POST", "/v1/certificates", acme, upload("acme", "other.acme.test"), "Idempotency-Key",
                "upload-1");
        assertThat(other.status()).isEqualTo(422);
        assertThat(problem(other)).containsEntry("type", "https://gatehouse.dev/problems/idempotency-key-reused")
                .containsEntry("field", "Idempotency-Key");
        assertThat((String) problem(other).get("detail")).contains("'upload-1'", "POST /v1/certificates",
                "another body");
        assertThat(services.store.certificates()).hasSize(1);

        // without a key, the same body is a second upload, as before
        assertThat(call("POST", "/v1/certificates", acme, body).status()).isEqualTo(201);
        assertThat(services.store.certificates()).hasSize(2);
    }

    @Test
    void concurrentRetriesWithOneKeyCreateOneCertificate() throws Exception {
        String body = upload("acme", "burst.acme.test");
        List<java.util.concurrent.CompletableFuture<ApiResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> call("POST", "/v1/certificates", acme, body,
                    "Idempotency-Key", "burst")));
        }
        Set<String> ids = new TreeSet<>();
        for (var c : calls) {
            ApiResponse r = c.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(201);
            ids.add(json(r).get("id").asText());
        }
        assertThat(ids).hasSize(1);
        assertThat(services.store.certificates()).hasSize(1);
    }

    @Test
    void oneTenantsKeyNeverReplaysAnotherTenantsAnswer() throws Exception {
        String acmeBody = upload("acme", "shop.acme.test");
        ApiResponse mine = call("POST", "/v1/certificates", acme, acmeBody, "Idempotency-Key", "k");
        assertThat(mine.status()).isEqualTo(201);
        // globex sends acme's very request with acme's key: no replay of acme's certificate, the service refuses
        ApiResponse theirs = call("POST", "/v1/certificates", globex, acmeBody, "Idempotency-Key", "k");
        assertThat(theirs.status()).isEqualTo(403);
        assertThat(theirs.header("Idempotent-Replayed")).isNull();
        // and its own request under the same key is its own
        ApiResponse own = call("POST", "/v1/certificates", globex, upload("globex", "shop.globex.test"),
                "Idempotency-Key", "k");
        assertThat(own.status()).isEqualTo(201);
        assertThat(json(own).get("tenant").asText()).isEqualTo("globex");
        assertThat(services.store.certificates()).hasSize(2);
    }

    @Test
    void aRefusedRequestIsNotRememberedSoItsRetryRunsAgain() throws Exception {
        ApiResponse refused = call("POST", "/v1/tenants", admin, "{\"id\":\"Bad Id\"}", "Idempotency-Key", "t1");
        assertThat(refused.status()).isBetween(400, 499);
        ApiResponse created = call("POST", "/v1/tenants", admin, "{\"id\":\"initech\"}", "Idempotency-Key", "t1");
        assertThat(created.status()).isEqualTo(201);
        assertThat(call("POST", "/v1/tenants", admin, "{\"id\":\"initech\"}", "Idempotency-Key", "t1").status())
                .isEqualTo(201);
        assertThat(call("POST", "/v1/tenants", admin, "{\"id\":\"initech\"}").status()).isEqualTo(409);
    }

    @Test
    void refusesAnIdempotencyKeyThatIsNotVisibleAscii() {
        ApiResponse r = call("POST", "/v1/tenants", admin, "{\"id\":\"initech\"}", "Idempotency-Key", "a b");
        assertThat(r.status()).isEqualTo(400);
        assertThat(problem(r)).containsEntry("field", "Idempotency-Key");
        assertThat(services.store.tenants()).noneMatch(t -> t.id().equals("initech"));
    }

    // ---- If-Match / ETag ------------------------------------------------------------------

    @Test
    void aStaleIfMatchIsRefusedWith412AndTheCurrentRevisionAndChangesNothing() throws Exception {
        ApiResponse put = call("PUT", "/v1/pools/web", admin, "{\"servers\":[\"127.0.0.1:8080\"]}");
        assertThat(put.status()).isEqualTo(200);
        String etag = put.header("ETag");
        assertThat(etag).isEqualTo("\"" + json(put).get("revision").asText() + "\"");

        ApiResponse second = call("PUT", "/v1/pools/web", admin, "{\"servers\":[\"127.0.0.1:8081\"]}", "If-Match", etag);
        assertThat(second.status()).isEqualTo(200);
        String current = second.header("ETag");
        assertThat(current).isNotEqualTo(etag);

        Set<PoolRecord> before = Set.copyOf(services.store.pools());
        ApiResponse stale = call("PUT", "/v1/pools/web", admin, "{\"servers\":[\"127.0.0.1:9999\"]}", "If-Match", etag);
        assertThat(stale.status()).isEqualTo(412);
        assertThat(problem(stale)).containsEntry("type", "https://gatehouse.dev/problems/revision-mismatch")
                .containsEntry("field", "If-Match")
                .containsEntry("revision", json(second).get("revision").asText());
        assertThat(stale.header("ETag")).isEqualTo(current);
        assertThat(call("DELETE", "/v1/pools/web", admin, null, "If-Match", etag).status()).isEqualTo(412);
        assertThat(Set.copyOf(services.store.pools())).isEqualTo(before);

        assertThat(call("DELETE", "/v1/pools/web", admin, null, "If-Match", current).status()).isEqualTo(204);
        assertThat(services.store.pools()).noneMatch(p -> p.name().equals("web"));
        // If-Match on an object that does not exist: 412, and PUT does not create it
        assertThat(call("PUT", "/v1/pools/web", admin, "{\"servers\":[\"127.0.0.1:8080\"]}", "If-Match", current)
                .status()).isEqualTo(412);
        assertThat(services.store.pools()).noneMatch(p -> p.name().equals("web"));
    }

    @Test
    void certificatesCarryTheirRevisionAsETagAndATenantsStaleDeleteChangesNothing() throws Exception {
        ApiResponse up = call("POST", "/v1/certificates", acme, upload("acme", "shop.acme.test"));
        String id = json(up).get("id").asText();
        String etag = up.header("ETag");
        assertThat(etag).isEqualTo("\"" + json(up).get("revision").asText() + "\"");
        assertThat(call("GET", "/v1/certificates/" + id, acme, null).header("ETag")).isEqualTo(etag);

        ApiResponse replaced = call("PUT", "/v1/certificates/" + id, acme, upload("acme", "shop.acme.test"),
                "If-Match", etag);
        assertThat(replaced.status()).isEqualTo(200);
        String serial = json(replaced).get("serial").asText();

        assertThat(call("PUT", "/v1/certificates/" + id, acme, upload("acme", "shop.acme.test"), "If-Match", etag)
                .status()).isEqualTo(412);
        assertThat(call("DELETE", "/v1/certificates/" + id, acme, null, "If-Match", etag).status()).isEqualTo(412);
        assertThat(services.store.certificates()).singleElement()
                .satisfies(c -> assertThat(c.serial()).isEqualTo(serial));
        // another tenant learns nothing from If-Match: refused as without it, before any revision is compared
        ApiResponse foreign = call("DELETE", "/v1/certificates/" + id, globex, null, "If-Match", "*");
        assertThat(foreign.status()).isEqualTo(call("DELETE", "/v1/certificates/" + id, globex, null).status())
                .isEqualTo(403);
        assertThat(problem(foreign)).doesNotContainKey("revision");
        assertThat(foreign.header("ETag")).isNull();
        assertThat(services.store.certificates()).hasSize(1);
        assertThat(call("DELETE", "/v1/certificates/" + id, acme, null, "If-Match", "*").status()).isEqualTo(204);
        assertThat(services.store.certificates()).isEmpty();
    }

    @Test
    void routesTenantsDomainsTokensAndWebhooksHonourIfMatch() throws Exception {
        services.store.put(RecordKinds.POOLS, new PoolRecord("web", List.of("127.0.0.1:8080"), "round-robin", null,
                services.store.nextRevision()));
        ApiResponse route = call("PUT", "/v1/routes/shop.acme.test", admin, "{\"pool\":\"web\"}");
        assertThat(call("DELETE", "/v1/routes/shop.acme.test", admin, null, "If-Match", "\"1\"").status())
                .isEqualTo(412);
        assertThat(services.store.records(RecordKinds.ROUTES)).hasSize(1);
        assertThat(call("DELETE", "/v1/routes/shop.acme.test", admin, null, "If-Match", route.header("ETag")).status())
                .isEqualTo(204);

        ApiResponse tenant = call("GET", "/v1/tenants/globex", admin, null);
        assertThat(tenant.header("ETag")).isNotNull();
        assertThat(call("DELETE", "/v1/tenants/globex?force=true", admin, null, "If-Match", "\"1\"").status())
                .isEqualTo(412);
        assertThat(services.store.tenants()).anyMatch(t -> t.id().equals("globex"));

        ApiResponse claim = call("POST", "/v1/domains", acme, "{\"name\":\"new.acme.test\"}");
        assertThat(call("DELETE", "/v1/domains/new.acme.test", acme, null, "If-Match", "\"1\"").status())
                .isEqualTo(412);
        assertThat(call("DELETE", "/v1/domains/new.acme.test", acme, null, "If-Match", claim.header("ETag")).status())
                .isEqualTo(204);

        ApiResponse token = call("POST", "/v1/tokens", admin, "{\"scope\":\"tenant:acme\"}");
        String tokenId = json(token).get("id").asText();
        assertThat(call("DELETE", "/v1/tokens/" + tokenId, admin, null, "If-Match", "\"1\"").status()).isEqualTo(412);
        assertThat(call("DELETE", "/v1/tokens/" + tokenId, admin, null, "If-Match", token.header("ETag")).status())
                .isEqualTo(204);

        ApiResponse hook = call("POST", "/v1/webhooks", acme, "{\"url\":\"https://hooks.acme.test/in\"}");
        String hookId = json(hook).get("id").asText();
        assertThat(call("DELETE", "/v1/webhooks/" + hookId, acme, null, "If-Match", "\"1\"").status()).isEqualTo(412);
        assertThat(call("DELETE", "/v1/webhooks/" + hookId, acme, null, "If-Match", hook.header("ETag")).status())
                .isEqualTo(204);
    }

    // ---- helpers --------------------------------------------------------------------------

    private void seed(String list, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            String s = Integer.toString(i);
            switch (list) {
                case "tenants" -> services.tenants.create(ROOT, "t" + s, "T" + s);
                case "domains" -> services.domains.claim(ROOT, "acme", "d" + s + ".example", false);
                case "certificates" -> assertThat(call("POST", "/v1/certificates", acme,
                        upload("acme", "c" + s + ".acme.test")).status()).isEqualTo(201);
                case "tokens" -> services.tokens.create("tenant:acme", "t" + s);
                case "pools" -> services.store.put(RecordKinds.POOLS, new PoolRecord("p" + s, List.of("127.0.0.1:8080"),
                        "round-robin", null, services.store.nextRevision()));
                case "routes" -> {
                    if (i == 0) {
                        seed("pools", 1);
                    }
                    services.routing.putRoute(ROOT, "r" + s + ".example", "p0");
                }
                case "log-levels" -> assertThat(call("PUT", "/v1/log-levels/dev.gatehouse.paging" + s, admin,
                        "{\"level\":\"DEBUG\"}").status()).isEqualTo(200);
                case "webhooks" -> assertThat(call("POST", "/v1/webhooks", acme,
                        "{\"url\":\"https://hooks.acme.test/in" + s + "\"}").status()).isEqualTo(201);
                default -> throw new IllegalArgumentException(list);
            }
        }
    }

    private static List<String> keys(String list, JsonNode items) {
        List<String> out = new ArrayList<>();
        for (JsonNode item : items) {
            out.add(switch (list) {
                case "domains" -> item.get("name").asText() + "/" + item.get("tenant").asText();
                case "pools" -> item.get("name").asText();
                case "routes" -> item.get("host").asText();
                case "log-levels" -> item.get("logger").asText();
                default -> item.get("id").asText();
            });
        }
        assertThat(new TreeSet<>(out)).as("no duplicates").hasSameSizeAs(out);
        return out;
    }

    private static String upload(String tenant, String name) throws Exception {
        return NodeFixtures.uploadBody(tenant, PKI.issueEc(name));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> problem(ApiResponse r) {
        return (Map<String, Object>) r.body();
    }
}
