package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.certs.UploadPolicy;
import dev.gatehouse.appliance.console.ConsoleApi.Access;
import dev.gatehouse.appliance.console.ConsoleApi.Route;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.RouteRecord;
import dev.gatehouse.cluster.store.SealedValue;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.TenantRecord;
import dev.gatehouse.cluster.store.TokenRecord;
import dev.gatehouse.tls.cert.CertificateParseException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@code openapi.json} honest: it documents exactly the routes of {@link ConsoleApi}, with the
 * right authentication, resolvable references, and the response fields the views really emit.
 */
class OpenApiConsistencyTest {

    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "options", "head",
            "trace");
    private static final String PROBLEM_BASE = "https://gatehouse.dev/problems/";

    @TempDir
    Path dataDir;

    private FileStore store;
    private dev.gatehouse.appliance.testing.Services services;
    private ConsoleApi api;
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private final JsonNode doc = OpenApi.document();

    @BeforeEach
    void buildApi() throws Exception {
        services = new dev.gatehouse.appliance.testing.Services(dataDir);
        store = services.store;
        api = new ConsoleApi(services.console(), who -> Map.of(), ready::get, null);
    }

    @AfterEach
    void closeStore() throws Exception {
        services.close();
    }

    @Test
    void documentsEveryRouteAndNothingElse() {
        Set<String> routes = new TreeSet<>();
        for (Route r : api.routes()) {
            routes.add(r.method() + " " + r.template());
        }
        assertThat(routes).hasSize(api.routes().size());
        assertThat(operations().keySet()).containsExactlyInAnyOrderElementsOf(routes);
    }

    /**
     * The web console's static files are answered by the connection before the route table
     * ({@link StaticUi}): they are not operations, so neither the table nor the document has them,
     * and no route may live under {@code /ui}, where it could never be reached.
     */
    @Test
    void leavesTheWebConsoleFilesOutOfTheTableAndTheDocument() {
        assertThat(api.routes()).noneMatch(r -> StaticUi.handles(r.template()));
        assertThat(operations().keySet()).noneMatch(op -> StaticUi.handles(op.substring(op.indexOf(' ') + 1)));
        assertThat(doc.at("/info/description").asText()).contains("`/ui/`", "not operations of this API");
    }

    @Test
    void isAnOpenApi31DocumentWithABearerScheme() {
        assertThat(doc.path("openapi").asText()).startsWith("3.1.");
        assertThat(doc.path("info").path("title").asText()).isNotBlank();
        JsonNode bearer = doc.at("/components/securitySchemes/bearerAuth");
        assertThat(bearer.path("type").asText()).isEqualTo("http");
        assertThat(bearer.path("scheme").asText()).isEqualTo("bearer");
    }

    @Test
    void requiresTheBearerTokenOnEveryNonPublicRouteAndOnNoPublicOne() {
        Map<String, JsonNode> ops = operations();
        SoftAssertions soft = new SoftAssertions();
        for (Route r : api.routes()) {
            String key = r.method() + " " + r.template();
            JsonNode op = ops.get(key);
            if (op == null) {
                continue; // reported by documentsEveryRouteAndNothingElse
            }
            JsonNode security = op.has("security") ? op.get("security") : doc.path("security");
            if (r.access() == Access.PUBLIC) {
                soft.assertThat(op.has("security")).as("%s declares security: [] explicitly", key).isTrue();
                soft.assertThat(security.isArray() && security.isEmpty()).as("%s needs no token", key).isTrue();
            } else {
                List<String> schemes = new ArrayList<>();
                security.forEach(req -> req.fieldNames().forEachRemaining(schemes::add));
                soft.assertThat(schemes).as("%s requires a bearer token", key).containsExactly("bearerAuth");
                soft.assertThat(resolve(op.path("responses").path("401")).isMissingNode())
                        .as("%s documents 401", key).isFalse();
            }
            if (r.access() == Access.ADMIN) {
                soft.assertThat(resolve(op.path("responses").path("403")).isMissingNode())
                        .as("%s (admin only) documents 403", key).isFalse();
            }
            soft.assertThat(op.path("x-gatehouse-access").asText()).as("%s access", key).isEqualTo(r.access().name());
        }
        soft.assertAll();
    }

    @Test
    void resolvesEveryReference() {
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        SoftAssertions soft = new SoftAssertions();
        for (String ref : refs) {
            soft.assertThat(ref).as("local reference").startsWith("#/");
            soft.assertThat(pointer(ref).isMissingNode()).as("%s resolves", ref).isFalse();
        }
        soft.assertAll();
    }

    @Test
    void describesEveryOperationWithASuccessResponse() {
        Set<String> operationIds = new LinkedHashSet<>();
        SoftAssertions soft = new SoftAssertions();
        operations().forEach((key, op) -> {
            soft.assertThat(op.path("summary").asText()).as("%s summary", key).isNotBlank();
            soft.assertThat(op.path("description").asText()).as("%s description", key).isNotBlank();
            soft.assertThat(operationIds.add(op.path("operationId").asText())).as("%s has a unique operationId", key)
                    .isTrue();
            List<String> codes = new ArrayList<>();
            op.path("responses").fieldNames().forEachRemaining(codes::add);
            soft.assertThat(codes).as("%s success response", key).anyMatch(c -> c.startsWith("2"));
        });
        soft.assertAll();
    }

    @Test
    void declaresExactlyThePathParametersOfEachTemplate() {
        Pattern names = Pattern.compile("\\{([a-z]+)\\}");
        SoftAssertions soft = new SoftAssertions();
        operations().forEach((key, op) -> {
            Set<String> expected = new TreeSet<>();
            Matcher m = names.matcher(key);
            while (m.find()) {
                expected.add(m.group(1));
            }
            Set<String> declared = new TreeSet<>();
            for (JsonNode p : op.path("parameters")) {
                JsonNode param = resolve(p);
                if (param.path("in").asText().equals("path")) {
                    declared.add(param.path("name").asText());
                    soft.assertThat(param.path("required").asBoolean()).as("%s path parameter %s required", key,
                            param.path("name").asText()).isTrue();
                }
            }
            soft.assertThat(declared).as("%s path parameters", key).isEqualTo(expected);
        });
        soft.assertAll();
    }

    @Test
    void documentsErrorsAsProblemDocumentsExceptTheNotReadyProbe() {
        SoftAssertions soft = new SoftAssertions();
        operations().forEach((key, op) -> op.path("responses").fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("2") || key.equals("GET /readyz") && e.getKey().equals("503")) {
                return;
            }
            JsonNode schema = resolve(e.getValue()).path("content").path("application/problem+json").path("schema");
            soft.assertThat(schema.path("$ref").asText()).as("%s %s", key, e.getKey())
                    .isEqualTo("#/components/schemas/Problem");
        }));
        soft.assertAll();
    }

    @Test
    void answersTheNotReadyProbeWithPlainJsonAsDocumented() {
        ready.set(false);
        ApiResponse r = api.handle("GET", "/readyz", Map.of(), null, null, "test");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.contentType()).isEqualTo("application/json");
        assertThat(doc.at("/paths/~1readyz/get/responses/503/content").has("application/json")).isTrue();
    }

    @Test
    void listsEveryCertificateRefusalAmongTheProblemTypes() {
        List<String> types = new ArrayList<>();
        doc.at("/components/schemas/Problem/properties/type/enum").forEach(t -> types.add(t.asText()));
        assertThat(types).allMatch(t -> t.startsWith(PROBLEM_BASE));
        assertThat(types).contains(PROBLEM_BASE + "unauthorized", PROBLEM_BASE + "forbidden",
                PROBLEM_BASE + "not-found", PROBLEM_BASE + "invalid-field", PROBLEM_BASE + "malformed-json",
                PROBLEM_BASE + "body-too-large", PROBLEM_BASE + "store-unavailable");
        for (CertificateParseException.Reason reason : CertificateParseException.Reason.values()) {
            assertThat(types).contains(PROBLEM_BASE + "certificate-"
                    + reason.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
    }

    @Test
    void describesExactlyTheFieldsTheResponseViewsEmit() {
        CertificateRecord cert = new CertificateRecord("crt_0123456789abcdef", "acme", List.of("a.acme.example"), 7L,
                "-----BEGIN CERTIFICATE-----\n", new SealedValue("k1", "bm9uY2U=", "c2VjcmV0"), "ECDSA-P-256", 0L,
                1L, "00", "CN=ca", "1f", false, 0L, 1L);
        assertThat(properties("Certificate")).isEqualTo(fields(ConsoleViews.view(cert, true, List.of(), null)));
        assertThat(required("Certificate")).isEqualTo(fields(ConsoleViews.view(cert, false, cert.names(), null)));

        Set<String> tenant = fields(ConsoleViews.view(new TenantRecord("acme", "Acme", List.of(), 1L, 0L),
                List.of("acme.example"), List.of("pending.acme.example")));
        assertThat(properties("Tenant")).isEqualTo(tenant);
        assertThat(required("Tenant")).isEqualTo(tenant);

        Set<String> token = fields(ConsoleViews.view(new TokenRecord("0123456789ab", "hash", "admin", "", 0L, false, 1L,
                0L), null));
        assertThat(properties("Token")).isEqualTo(token);
        assertThat(required("Token")).isEqualTo(token);

        Set<String> pool = fields(ConsoleViews.view(new PoolRecord("app", List.of("127.0.0.1:8080"), "round-robin", null,
                1L), List.of()));
        assertThat(pool).as("the stored pool's fields, then its servers' health")
                .containsAll(fieldNames(Json.MAPPER.valueToTree(
                        new PoolRecord("app", List.of("127.0.0.1:8080"), "round-robin", null, 1L))));
        assertThat(properties("ServerHealth")).isEqualTo(dev.gatehouse.appliance.observe.PoolHealth.view("h:1", "up",
                null, null, null, false).keySet());
        assertThat(properties("LogLevel")).isEqualTo(
                new dev.gatehouse.appliance.logging.LogLevels.Setting("ROOT", "INFO", "INFO").view().keySet());
        assertThat(properties("Pool")).isEqualTo(pool);
        assertThat(required("Pool")).isEqualTo(pool);

        Set<String> route = fieldNames(Json.MAPPER.valueToTree(new RouteRecord("a.acme.example", "app", 1L)));
        assertThat(properties("Route")).isEqualTo(route);
        assertThat(required("Route")).isEqualTo(route);

        Set<String> domain = fields(ConsoleViews.view(new dev.gatehouse.cluster.store.DomainRecord("a.acme.example",
                "acme", "_gatehouse-challenge.a.acme.example", "v", "pending", null, List.of(), 0, 0, 0, 0, 0, 1L, null),
                "127.0.0.1", 1000L));
        assertThat(properties("Domain")).isEqualTo(domain);
        assertThat(required("Domain")).isEqualTo(domain);
        Set<String> managed = fields(AcmeServices.view(new dev.gatehouse.cluster.store.ManagedCertificateRecord(
                "a.acme.example", "acme", "crt_1", "pending", null, null, 0, 0, 0, 0, null, null, 0, 0, 0, 1L)));
        assertThat(properties("ManagedCertificate")).isEqualTo(managed);
        assertThat(required("ManagedCertificate")).isEqualTo(managed);

        assertThat(properties("CertificateList")).containsExactlyInAnyOrder("items", "next");
        assertThat(doc.toString()).doesNotContain("\"sealedKey\"", "\"hash\"", "\"orderKey\"", "\"orderUrl\"");
    }

    @Test
    void describesExactlyTheFieldsOfEventsAndWebhooks() throws Exception {
        Map<String, Object> event = dev.gatehouse.appliance.events.Events.view(new dev.gatehouse.cluster.store.EventRecord(
                "evt_0123456789abcdef", 7, "domain.verified", "acme", "a.acme.example", Map.of("name", "a"), "node1",
                0L, 1L));
        assertThat(properties("Event")).isEqualTo(event.keySet());
        assertThat(required("Event")).isEqualTo(event.keySet());
        Set<String> types = new LinkedHashSet<>();
        doc.at("/components/schemas/Event/properties/type/enum").forEach(t -> types.add(t.asText()));
        assertThat(types).containsExactlyInAnyOrderElementsOf(dev.gatehouse.appliance.events.EventTypes.ALL);

        store.put(RecordKinds.TENANTS, new TenantRecord("acme", "Acme", List.of(), 1L, 0L));
        dev.gatehouse.appliance.events.Events events = new dev.gatehouse.appliance.events.Events(store, "node1",
                Clock.systemUTC(), dev.gatehouse.appliance.events.Events.Settings.defaults());
        dev.gatehouse.appliance.events.WebhookService hooks = new dev.gatehouse.appliance.events.WebhookService(store,
                events, Clock.systemUTC(), false);
        dev.gatehouse.appliance.events.WebhookService.Created c = hooks.create(
                new dev.gatehouse.appliance.auth.Principal("admin", "admin"), "acme", "https://hooks.acme.example/in",
                List.of(), null);
        Map<String, Object> webhook = hooks.view(c.webhook());
        assertThat(properties("Webhook")).isEqualTo(webhook.keySet());
        assertThat(required("Webhook")).isEqualTo(webhook.keySet());
        @SuppressWarnings("unchecked")
        Map<String, Object> delivery = (Map<String, Object>) webhook.get("delivery");
        assertThat(properties("WebhookDelivery")).isEqualTo(delivery.keySet());
        Set<String> created = new LinkedHashSet<>(webhook.keySet());
        created.add("secret");
        assertThat(properties("WebhookCreated")).isEqualTo(created);
        assertThat(properties("EventPage")).containsExactlyInAnyOrder("items", "next");
        assertThat(doc.toString()).doesNotContain("\"sealedSecret\"");
    }

    @Test
    void servesThisDocumentWithoutAToken() {
        ApiResponse r = api.handle("GET", "/v1/openapi.json", Map.of(), null, null, "test");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(doc);
    }

    // ---- helpers --------------------------------------------------------------------------

    /** {@code "METHOD /path"} → operation object. */
    private Map<String, JsonNode> operations() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (HTTP_METHODS.contains(op.getKey())) {
                out.put(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), op.getValue());
            }
        }));
        return out;
    }

    private static void collectRefs(JsonNode n, List<String> refs) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("$ref") && e.getValue().isTextual()) {
                    refs.add(e.getValue().asText());
                } else {
                    collectRefs(e.getValue(), refs);
                }
            }
        } else if (n instanceof ArrayNode a) {
            a.forEach(c -> collectRefs(c, refs));
        }
    }

    /** A {@code #/...} reference as a node of this document (missing node when it does not resolve). */
    private JsonNode pointer(String ref) {
        if (!ref.startsWith("#")) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        String p = java.net.URLDecoder.decode(ref.substring(1), java.nio.charset.StandardCharsets.UTF_8);
        return doc.at(p);
    }

    /** Follows {@code $ref} chains. */
    private JsonNode resolve(JsonNode n) {
        for (int i = 0; i < 10 && n.has("$ref"); i++) {
            n = pointer(n.get("$ref").asText());
        }
        return n;
    }

    @Test
    void describesTheHostnamePolicyViewAndEveryPolicyField() throws Exception {
        Map<String, Object> view = DomainPolicyResource.view(new dev.gatehouse.cluster.store.HostnamePolicyRecord(
                "a.acme.example", "acme", "{\"minTlsVersion\": \"1.3\"}", "tok", 0L, 1L));
        assertThat(properties("DomainPolicy")).isEqualTo(view.keySet());
        assertThat(required("DomainPolicy")).isEqualTo(view.keySet());
        assertThat(properties("HostnamePolicy")).containsExactlyInAnyOrderElementsOf(
                dev.gatehouse.appliance.policy.HostnamePolicy.FIELDS);
    }

    private Set<String> properties(String schema) {
        return fieldNames(doc.at("/components/schemas/" + schema + "/properties"));
    }

    private Set<String> required(String schema) {
        Set<String> out = new LinkedHashSet<>();
        doc.at("/components/schemas/" + schema + "/required").forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The fields a response view is written with (its JSON keys, in order). */
    private static Set<String> fields(Object view) {
        return fieldNames(Json.MAPPER.valueToTree(view));
    }

    private static Set<String> fieldNames(JsonNode n) {
        Set<String> out = new LinkedHashSet<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
