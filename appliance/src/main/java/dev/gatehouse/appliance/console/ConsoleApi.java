package dev.gatehouse.appliance.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.cluster.store.RouteRecord;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.TenantRecord;
import dev.gatehouse.cluster.store.TokenRecord;
import dev.gatehouse.tls.sni.Hostnames;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The console API, transport-free: a table of routes, each with its authorization rule and handler.
 * {@link ConsoleServer} feeds it HTTPS requests; tests can call {@link #handle} directly. The route
 * table is also what the OpenAPI document is checked against.
 */
public final class ConsoleApi {

    /** Who may call a route. */
    public enum Access { PUBLIC, ANY_TOKEN, ADMIN }

    @FunctionalInterface
    interface Handler {
        ApiResponse handle(ApiRequest req, Principal who) throws ApiException, StoreException;
    }

    /** One route; {@code template} uses {@code {name}} for path parameters, as OpenAPI does. */
    public record Route(String method, String template, Access access, String action, Handler handler, Pattern regex) {
    }

    private final List<Route> routes = new ArrayList<>();
    private final Store store;
    private final TokenService tokens;
    private final TenantService tenants;
    private final CertificateService certificates;
    private final AuditLog audit;
    private final Supplier<Map<String, Object>> status;
    private final Supplier<Boolean> ready;
    private final Runnable validateRouting;
    private final AcmeServices acme;

    public ConsoleApi(Store store, TokenService tokens, TenantService tenants, CertificateService certificates,
            AuditLog audit, Supplier<Map<String, Object>> status, Supplier<Boolean> ready, Runnable validateRouting) {
        this(store, tokens, tenants, certificates, audit, status, ready, validateRouting, null);
    }

    /** {@code acme} null: ACME disabled, its endpoints answer {@code acme-disabled}. */
    public ConsoleApi(Store store, TokenService tokens, TenantService tenants, CertificateService certificates,
            AuditLog audit, Supplier<Map<String, Object>> status, Supplier<Boolean> ready, Runnable validateRouting,
            AcmeServices acme) {
        this.acme = acme;
        this.store = store;
        this.tokens = tokens;
        this.tenants = tenants;
        this.certificates = certificates;
        this.audit = audit;
        this.status = status;
        this.ready = ready;
        this.validateRouting = validateRouting;

        route("GET", "/healthz", Access.PUBLIC, null, (r, w) -> ApiResponse.ok(Map.of("status", "ok")));
        route("GET", "/readyz", Access.PUBLIC, null, (r, w) -> ready.get()
                ? ApiResponse.ok(Map.of("status", "ready"))
                : new ApiResponse(503, Map.of("status", "not ready"), "application/json"));
        route("GET", "/v1/openapi.json", Access.PUBLIC, null,
                (r, w) -> new ApiResponse(200, OpenApi.document(), "application/json"));
        route("GET", "/v1/status", Access.ANY_TOKEN, null, (r, w) -> ApiResponse.ok(status.get()));

        route("POST", "/v1/tenants", Access.ADMIN, "tenant.create", this::createTenant);
        route("GET", "/v1/tenants", Access.ANY_TOKEN, null,
                (r, w) -> ApiResponse.ok(Map.of("items", tenants.list(w).stream().map(ConsoleApi::view).toList())));
        route("GET", "/v1/tenants/{tenant}", Access.ANY_TOKEN, null,
                (r, w) -> ApiResponse.ok(view(tenants.get(w, r.param("tenant")))));
        route("POST", "/v1/tenants/{tenant}/domains", Access.ANY_TOKEN, "domain.claim", this::claim);
        route("DELETE", "/v1/tenants/{tenant}/domains/{name}", Access.ANY_TOKEN, "domain.release",
                (r, w) -> ApiResponse.ok(view(tenants.release(w, r.param("tenant"), r.param("name")))));

        route("POST", "/v1/certificates", Access.ANY_TOKEN, "certificate.upload",
                (r, w) -> ApiResponse.created(view(certificates.upload(w, upload(r, null)), false)));
        route("GET", "/v1/certificates", Access.ANY_TOKEN, null, this::listCertificates);
        route("GET", "/v1/certificates/{id}", Access.ANY_TOKEN, null,
                (r, w) -> ApiResponse.ok(view(certificates.get(w, r.param("id")), true)));
        route("PUT", "/v1/certificates/{id}", Access.ANY_TOKEN, "certificate.replace",
                (r, w) -> ApiResponse.ok(view(certificates.replace(w, r.param("id"), upload(r, r.param("id"))), false)));
        route("DELETE", "/v1/certificates/{id}", Access.ANY_TOKEN, "certificate.delete", (r, w) -> {
            certificates.delete(w, r.param("id"));
            return ApiResponse.noContent();
        });

        route("POST", "/v1/domains", Access.ANY_TOKEN, "domain.create", this::claimForAcme);
        route("GET", "/v1/domains", Access.ANY_TOKEN, null, (r, w) -> ApiResponse.ok(Map.of("items",
                acme().domains().list(w).stream().map(d -> AcmeServices.view(d, acme.target())).toList())));
        route("GET", "/v1/domains/{name}", Access.ANY_TOKEN, null, (r, w) -> ApiResponse.ok(
                AcmeServices.view(acme().domains().get(w, r.param("name")), acme.target())));
        route("DELETE", "/v1/domains/{name}", Access.ANY_TOKEN, "domain.delete", (r, w) -> {
            acme().domains().delete(w, r.param("name"));
            return ApiResponse.noContent();
        });
        route("POST", "/v1/domains/{name}/check", Access.ANY_TOKEN, "domain.check", (r, w) -> {
            ApiResponse resp = ApiResponse.ok(AcmeServices.view(acme().domains().recheck(w, r.param("name")),
                    acme.target()));
            acme.wakeUp().run();
            return resp;
        });
        route("POST", "/v1/domains/{name}/certificate", Access.ANY_TOKEN, "certificate.order", (r, w) -> {
            ApiResponse resp = new ApiResponse(202, AcmeServices.view(acme().managed().request(w, r.param("name"))),
                    "application/json");
            acme.wakeUp().run();
            return resp;
        });
        route("GET", "/v1/domains/{name}/certificate", Access.ANY_TOKEN, null,
                (r, w) -> ApiResponse.ok(AcmeServices.view(acme().managed().get(w, r.param("name")))));
        route("DELETE", "/v1/domains/{name}/certificate", Access.ANY_TOKEN, "certificate.unmanage", (r, w) -> {
            acme().managed().stop(w, r.param("name"));
            return ApiResponse.noContent();
        });
        route("GET", "/v1/managed-certificates", Access.ANY_TOKEN, null, (r, w) -> ApiResponse.ok(Map.of("items",
                acme().managed().list(w).stream().map(AcmeServices::view).toList())));

        route("POST", "/v1/tokens", Access.ADMIN, "token.create", this::createToken);
        route("GET", "/v1/tokens", Access.ADMIN, null, (r, w) -> ApiResponse.ok(Map.of("items",
                store.tokens().stream().sorted(Comparator.comparing(TokenRecord::createdAt)).map(ConsoleApi::view).toList())));
        route("DELETE", "/v1/tokens/{id}", Access.ADMIN, "token.revoke", (r, w) -> {
            if (!tokens.revoke(r.param("id"))) {
                throw ApiException.notFound("active token", r.param("id"));
            }
            return ApiResponse.noContent();
        });

        route("GET", "/v1/pools", Access.ADMIN, null, (r, w) -> ApiResponse.ok(Map.of("items",
                store.pools().stream().sorted(Comparator.comparing(PoolRecord::name)).map(ConsoleApi::view).toList())));
        route("PUT", "/v1/pools/{name}", Access.ADMIN, "pool.put", this::putPool);
        route("DELETE", "/v1/pools/{name}", Access.ADMIN, "pool.delete", this::deletePool);
        route("GET", "/v1/routes", Access.ADMIN, null, (r, w) -> ApiResponse.ok(Map.of("items",
                store.routes().stream().sorted(Comparator.comparing(RouteRecord::host)).map(ConsoleApi::view).toList())));
        route("PUT", "/v1/routes/{host}", Access.ADMIN, "route.put", this::putRoute);
        route("DELETE", "/v1/routes/{host}", Access.ADMIN, "route.delete", (r, w) -> {
            if (!store.removeRoute(normalizeHost(r.param("host")))) {
                throw ApiException.notFound("route", r.param("host"));
            }
            validateRouting.run();
            return ApiResponse.noContent();
        });
    }

    private void route(String method, String template, Access access, String action, Handler h) {
        StringBuilder regex = new StringBuilder();
        for (String part : template.split("(?=\\{)|(?<=\\})")) {
            regex.append(part.startsWith("{") ? "([^/]+)" : Pattern.quote(part));
        }
        routes.add(new Route(method, template, access, action, h, Pattern.compile(regex.toString())));
    }

    /** Every route as {@code METHOD template}, for the OpenAPI consistency test. */
    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /** Handles one request; never throws: refusals become problem documents. */
    public ApiResponse handle(String method, String rawPath, Map<String, List<String>> query, String authorization,
            byte[] body, String client) {
        String path = rawPath.length() > 1 && rawPath.endsWith("/") ? rawPath.substring(0, rawPath.length() - 1) : rawPath;
        boolean pathMatched = false;
        for (Route route : routes) {
            Matcher m = route.regex().matcher(path);
            if (!m.matches()) {
                continue;
            }
            pathMatched = true;
            if (!route.method().equals(method)) {
                continue;
            }
            Map<String, String> params = new HashMap<>();
            Matcher names = Pattern.compile("\\{([a-z]+)\\}").matcher(route.template());
            int g = 1;
            while (names.find()) {
                String name = names.group(1);
                String raw = m.group(g++);
                try {
                    params.put(name, java.net.URLDecoder.decode(raw, java.nio.charset.StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) { // a stray or short %-escape, e.g. %zz or %2
                    return problem(ApiException.badRequest("invalid-field", name, name + ": '" + raw
                            + "' (expected: a path segment whose % escapes are %XX hex pairs)"), path);
                }
            }
            ApiRequest req = new ApiRequest(method, path, params, query, authorization, body, client);
            Principal who = null;
            try {
                if (route.access() != Access.PUBLIC) {
                    who = tokens.authenticate(authorization);
                    if (route.access() == Access.ADMIN) {
                        who.requireAdmin();
                    }
                }
                ApiResponse resp = route.handler().handle(req, who);
                if (route.action() != null) {
                    audit.record(who, route.action(), objectOf(route, req, resp), "ok", client);
                }
                return resp;
            } catch (ApiException e) {
                if (route.action() != null || e.status() == 401 || e.status() == 403) {
                    audit.record(who, route.action() == null ? method + " " + route.template() : route.action(),
                            objectOf(route, req, null), e.type(), client);
                }
                return problem(e, path);
            } catch (StoreException e) {
                return problem(new ApiException(503, "store-unavailable", "Service unavailable",
                        "the store could not persist the change; nothing was changed (" + e.getMessage() + ")", null), path);
            } catch (RuntimeException e) {
                return problem(new ApiException(500, "internal", "Internal error",
                        "unexpected " + e.getClass().getSimpleName() + "; see the node log", null), path);
            }
        }
        if (pathMatched) {
            return problem(new ApiException(405, "method-not-allowed", "Method not allowed",
                    method + " is not allowed on " + path, null), path);
        }
        return problem(new ApiException(404, "not-found", "Not found", "no such endpoint: " + path, null), path);
    }

    private static String objectOf(Route route, ApiRequest req, ApiResponse resp) {
        if (resp != null && resp.body() instanceof Map<?, ?> m && m.get("id") instanceof String id) {
            return route.template().split("/")[2] + "/" + id;
        }
        return req.path();
    }

    /** RFC 9457 problem document. */
    public static ApiResponse problem(ApiException e, String instance) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("type", "https://gatehouse.dev/problems/" + e.type());
        p.put("title", e.title());
        p.put("status", e.status());
        p.put("detail", e.getMessage());
        if (e.field() != null) {
            p.put("field", e.field());
        }
        p.put("instance", instance);
        p.putAll(e.extra());
        return new ApiResponse(e.status(), p, "application/problem+json");
    }

    // ---- handlers -------------------------------------------------------------------------

    private AcmeServices acme() throws ApiException {
        if (acme == null) {
            throw AcmeServices.disabled();
        }
        return acme;
    }

    private ApiResponse claimForAcme(ApiRequest r, Principal w) throws ApiException, StoreException {
        JsonNode b = r.json();
        for (java.util.Iterator<String> it = b.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!List.of("name", "tenant").contains(f)) {
                throw ApiException.badRequest("invalid-field", f, f + ": unknown field (expected: name, tenant)");
            }
        }
        dev.gatehouse.appliance.acme.DomainService.Claimed c = acme().domains().claim(w, ApiRequest.text(b, "tenant"),
                ApiRequest.text(b, "name"));
        acme.wakeUp().run();
        Map<String, Object> view = AcmeServices.view(c.domain(), acme.target());
        return c.created() ? ApiResponse.created(view) : ApiResponse.ok(view);
    }

    private ApiResponse createTenant(ApiRequest r, Principal w) throws ApiException, StoreException {
        JsonNode b = r.json();
        return ApiResponse.created(view(tenants.create(w, ApiRequest.text(b, "id"), ApiRequest.text(b, "displayName"))));
    }

    private ApiResponse claim(ApiRequest r, Principal w) throws ApiException, StoreException {
        JsonNode b = r.json();
        String name = ApiRequest.text(b, "name");
        if (name == null) {
            throw ApiException.unprocessable("invalid-field", "name", "name: missing (expected: a DNS name)");
        }
        return ApiResponse.ok(view(tenants.claim(w, r.param("tenant"), name)));
    }

    private CertificateService.Upload upload(ApiRequest r, String id) throws ApiException {
        JsonNode b = r.json();
        for (java.util.Iterator<String> it = b.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!List.of("tenant", "certificatePem", "privateKeyPem", "pkcs12", "password").contains(f)) {
                throw ApiException.badRequest("invalid-field", f, f + ": unknown field (expected: tenant, "
                        + "certificatePem, privateKeyPem, pkcs12, password)");
            }
        }
        return new CertificateService.Upload(ApiRequest.text(b, "tenant"), ApiRequest.text(b, "certificatePem"),
                ApiRequest.text(b, "privateKeyPem"), ApiRequest.text(b, "pkcs12"), ApiRequest.text(b, "password"));
    }

    private ApiResponse listCertificates(ApiRequest r, Principal w) throws ApiException {
        Instant before = null;
        if (r.queryParam("expiringBefore") != null) {
            try {
                before = Instant.parse(r.queryParam("expiringBefore"));
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("invalid-field", "expiringBefore", "expiringBefore: '"
                        + r.queryParam("expiringBefore") + "' (expected: an RFC 3339 instant such as 2027-01-01T00:00:00Z)");
            }
        }
        int limit = 100;
        if (r.queryParam("limit") != null) {
            try {
                limit = Integer.parseInt(r.queryParam("limit"));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid-field", "limit", "limit: '" + r.queryParam("limit")
                        + "' (expected: 1-1000)");
            }
        }
        CertificateService.Page page = certificates.list(w, r.queryParam("tenant"), r.queryParam("name"), before, limit,
                r.queryParam("cursor"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", page.items().stream().map(c -> view(c, false)).toList());
        out.put("next", page.next());
        return ApiResponse.ok(out);
    }

    private ApiResponse createToken(ApiRequest r, Principal w) throws ApiException, StoreException {
        JsonNode b = r.json();
        String scope = ApiRequest.text(b, "scope");
        if (scope == null || !(scope.equals(Principal.ADMIN) || scope.startsWith(Principal.TENANT_PREFIX))) {
            throw ApiException.unprocessable("invalid-field", "scope", "scope: '" + scope
                    + "' (expected: admin or tenant:<id>)");
        }
        if (scope.startsWith(Principal.TENANT_PREFIX)
                && store.tenant(scope.substring(Principal.TENANT_PREFIX.length())).isEmpty()) {
            throw ApiException.unprocessable("invalid-field", "scope", "scope: tenant '"
                    + scope.substring(Principal.TENANT_PREFIX.length()) + "' does not exist");
        }
        TokenService.Issued issued = tokens.create(scope, ApiRequest.text(b, "description"));
        Map<String, Object> out = new LinkedHashMap<>(view(issued.record()));
        out.put("token", issued.token()); // shown once, never stored in clear
        return ApiResponse.created(out);
    }

    private ApiResponse putPool(ApiRequest r, Principal w) throws ApiException, StoreException {
        String name = r.param("name");
        if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw ApiException.unprocessable("invalid-field", "name", "name: '" + name
                    + "' (expected: lower-case letters, digits and dashes)");
        }
        JsonNode b = r.json();
        List<String> servers = new ArrayList<>();
        JsonNode s = b.get("servers");
        if (s == null || !s.isArray() || s.isEmpty()) {
            throw ApiException.unprocessable("invalid-field", "servers", "servers: missing or empty (expected: a list of host:port)");
        }
        for (JsonNode n : s) {
            if (!n.isTextual() || !dev.gatehouse.appliance.config.ConfigLoader.validServer(n.asText())) {
                throw ApiException.unprocessable("invalid-field", "servers", "servers: '" + n.asText()
                        + "' (expected: host:port with a port 1-65535)");
            }
            servers.add(n.asText());
        }
        String policy = ApiRequest.text(b, "policy");
        if (policy == null) {
            policy = "round-robin";
        }
        if (!policy.equals("round-robin") && !policy.equals("least-outstanding")) {
            throw ApiException.unprocessable("invalid-field", "policy", "policy: '" + policy
                    + "' (expected: round-robin or least-outstanding)");
        }
        String health = ApiRequest.text(b, "healthPath");
        if (health != null && !health.startsWith("/")) {
            throw ApiException.unprocessable("invalid-field", "healthPath", "healthPath: '" + health + "' (expected: starts with /)");
        }
        PoolRecord p = new PoolRecord(name, servers, policy, health, store.nextRevision());
        store.putPool(p);
        validateRouting.run();
        return ApiResponse.ok(view(p));
    }

    private ApiResponse deletePool(ApiRequest r, Principal w) throws ApiException, StoreException {
        String name = r.param("name");
        for (RouteRecord route : store.routes()) {
            if (route.pool().equals(name)) {
                throw ApiException.conflict("pool-in-use", "name", "pool '" + name + "' is used by route " + route.host());
            }
        }
        if (!store.removePool(name)) {
            throw ApiException.notFound("pool", name);
        }
        validateRouting.run();
        return ApiResponse.noContent();
    }

    private ApiResponse putRoute(ApiRequest r, Principal w) throws ApiException, StoreException {
        String host = normalizeHost(r.param("host"));
        JsonNode b = r.json();
        String pool = ApiRequest.text(b, "pool");
        if (pool == null || store.pools().stream().noneMatch(p -> p.name().equals(pool))) {
            throw ApiException.unprocessable("invalid-field", "pool", "pool: '" + pool
                    + "' (expected: the name of a pool created with PUT /v1/pools/{name})");
        }
        RouteRecord route = new RouteRecord(host, pool, store.nextRevision());
        store.putRoute(route);
        validateRouting.run();
        return ApiResponse.ok(view(route));
    }

    private static String normalizeHost(String raw) throws ApiException {
        String host = Hostnames.normalizePattern(raw);
        if (host == null) {
            throw ApiException.unprocessable("invalid-field", "host", "host: '" + raw
                    + "' (expected: a DNS name or *.parent.tld)");
        }
        return host;
    }

    // ---- views (what leaves the node: never keys, never token hashes) ------------------------

    static Map<String, Object> view(CertificateRecord c, boolean withChain) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("tenant", c.tenant());
        m.put("names", c.names());
        m.put("issuer", c.issuer());
        m.put("serial", c.serial());
        m.put("notBefore", Instant.ofEpochMilli(c.notBefore()).toString());
        m.put("notAfter", Instant.ofEpochMilli(c.notAfter()).toString());
        m.put("keyType", c.keyType());
        m.put("sha256", c.fingerprint());
        m.put("revision", Long.toString(c.revision()));
        m.put("managed", c.managed());
        m.put("createdAt", Instant.ofEpochMilli(c.createdAt()).toString());
        m.put("updatedAt", Instant.ofEpochMilli(c.updatedAt()).toString());
        if (withChain) {
            m.put("chainPem", c.chainPem());
        }
        return m;
    }

    /** Revisions are 64-bit; as strings they survive JavaScript clients (2^53). */
    static Map<String, Object> view(PoolRecord p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("servers", p.servers());
        m.put("policy", p.policy());
        m.put("healthPath", p.healthPath());
        m.put("revision", Long.toString(p.revision()));
        return m;
    }

    static Map<String, Object> view(RouteRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", r.host());
        m.put("pool", r.pool());
        m.put("revision", Long.toString(r.revision()));
        return m;
    }

    static Map<String, Object> view(TenantRecord t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("displayName", t.displayName());
        m.put("domains", t.domains());
        m.put("createdAt", Instant.ofEpochMilli(t.createdAt()).toString());
        return m;
    }

    static Map<String, Object> view(TokenRecord t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("scope", t.scope());
        m.put("description", t.description());
        m.put("createdAt", Instant.ofEpochMilli(t.createdAt()).toString());
        m.put("revoked", t.revoked());
        return m;
    }
}
