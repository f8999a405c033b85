package dev.gatehouse.appliance.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.domains.DomainService;
import dev.gatehouse.appliance.routing.RoutingService;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.cluster.store.RouteRecord;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.TenantRecord;
import dev.gatehouse.cluster.store.TokenRecord;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The console API, transport-free: a table of routes, each with its authorization rule and handler.
 * {@link ConsoleServer} feeds it HTTPS requests; tests can call {@link #handle} directly. The route
 * table is also what the OpenAPI document is checked against. Handlers parse the request and call
 * the services, which refuse in their own terms ({@link ServiceException}); only this class turns
 * those refusals into problem documents.
 */
public final class ConsoleApi {

    /** Who may call a route. */
    public enum Access { PUBLIC, ANY_TOKEN, ADMIN }

    @FunctionalInterface
    interface Handler {
        ApiResponse handle(ApiRequest req, Principal who) throws ApiException, ServiceException, StoreException;
    }

    /** One route; {@code template} uses {@code {name}} for path parameters, as OpenAPI does. */
    public record Route(String method, String template, Access access, String action, Handler handler, Pattern regex,
            List<String> params) {
    }

    /** The services behind the console. */
    public record Services(TokenService tokens, TenantService tenants, DomainService domains,
            CertificateService certificates, RoutingService routing, AuditLog audit) {
    }

    /**
     * The node's observability endpoints: runtime log levels, the SNI explanation, and the live
     * health of a pool's servers (pool name → server views, null when no route uses the pool here).
     */
    public record Observe(dev.gatehouse.appliance.logging.LogLevels logLevels,
            dev.gatehouse.appliance.observe.SniExplainer sni, Function<String, List<Map<String, Object>>> poolHealth) {
    }

    private static final Pattern PARAM = Pattern.compile("\\{([a-z]+)\\}");

    private final List<Route> routes = new ArrayList<>();
    private final TokenService tokens;
    private final TenantService tenants;
    private final DomainService domains;
    private final CertificateService certificates;
    private final RoutingService routing;
    private final AuditLog audit;
    private final Function<Principal, Map<String, Object>> status;
    private final AcmeServices acme;
    private final Observe observe;

    /** A console without an engine behind it (tests of the route table): no SNI explanation, no pool health. */
    public ConsoleApi(Services services, Function<Principal, Map<String, Object>> status, Supplier<Boolean> ready,
            AcmeServices acme) {
        this(services, status, ready, acme, new Observe(new dev.gatehouse.appliance.logging.LogLevels(), null,
                name -> null));
    }

    /** Reopens the access log and describes it; null while the access log is off. Set once at boot. */
    private volatile Supplier<Map<String, Object>> accessLogReopen;

    /**
     * @param status what {@code /v1/status} shows the caller (a tenant token sees only its own objects)
     * @param acme   null: ACME disabled, the managed-certificate endpoints answer {@code acme-disabled}
     */
    public ConsoleApi(Services services, Function<Principal, Map<String, Object>> status, Supplier<Boolean> ready,
            AcmeServices acme, Observe observe) {
        this.observe = observe;
        this.tokens = services.tokens();
        this.tenants = services.tenants();
        this.domains = services.domains();
        this.certificates = services.certificates();
        this.routing = services.routing();
        this.audit = services.audit();
        this.status = status;
        this.acme = acme;

        route("GET", "/healthz", Access.PUBLIC, null, (r, w) -> ApiResponse.ok(Map.of("status", "ok")));
        route("GET", "/readyz", Access.PUBLIC, null, (r, w) -> ready.get()
                ? ApiResponse.ok(Map.of("status", "ready"))
                : new ApiResponse(503, Map.of("status", "not ready"), "application/json"));
        route("GET", "/v1/openapi.json", Access.PUBLIC, null,
                (r, w) -> new ApiResponse(200, OpenApi.document(), "application/json"));
        route("GET", "/v1/status", Access.ANY_TOKEN, null, (r, w) -> ApiResponse.ok(status.apply(w)));

        route("POST", "/v1/tenants", Access.ADMIN, "tenant.create", this::createTenant);
        route("GET", "/v1/tenants", Access.ANY_TOKEN, null,
                (r, w) -> ApiResponse.ok(Map.of("items", tenants.list(w).stream().map(this::view).toList())));
        route("GET", "/v1/tenants/{tenant}", Access.ANY_TOKEN, null,
                (r, w) -> ApiResponse.ok(view(tenants.get(w, r.param("tenant")))));
        route("DELETE", "/v1/tenants/{tenant}", Access.ADMIN, "tenant.delete", (r, w) -> ApiResponse.ok(
                tenants.delete(w, r.param("tenant"), flag(r, "force"), r.client()).view()));
        // alias of POST /v1/domains, kept for clients of earlier releases: an admin assigns, a tenant claims
        route("POST", "/v1/tenants/{tenant}/domains", Access.ANY_TOKEN, "domain.claim", this::claimAlias);
        route("DELETE", "/v1/tenants/{tenant}/domains/{name}", Access.ANY_TOKEN, "domain.release", (r, w) -> {
            domains.delete(w, r.param("name"), r.param("tenant"));
            return ApiResponse.ok(view(tenants.get(w, r.param("tenant"))));
        });

        route("POST", "/v1/certificates", Access.ANY_TOKEN, "certificate.upload",
                (r, w) -> ApiResponse.created(view(certificates.upload(w, upload(r)), false)));
        route("GET", "/v1/certificates", Access.ANY_TOKEN, null, this::listCertificates);
        route("GET", "/v1/certificates/{id}", Access.ANY_TOKEN, null,
                (r, w) -> ApiResponse.ok(view(certificates.get(w, r.param("id")), true)));
        route("PUT", "/v1/certificates/{id}", Access.ANY_TOKEN, "certificate.replace",
                (r, w) -> ApiResponse.ok(view(certificates.replace(w, r.param("id"), upload(r)), false)));
        route("DELETE", "/v1/certificates/{id}", Access.ANY_TOKEN, "certificate.delete", (r, w) -> {
            certificates.delete(w, r.param("id"));
            return ApiResponse.noContent();
        });

        route("POST", "/v1/domains", Access.ANY_TOKEN, "domain.claim", this::claim);
        route("GET", "/v1/domains", Access.ANY_TOKEN, null, (r, w) -> ApiResponse.ok(Map.of("items",
                domains.list(w).stream().map(this::view).toList())));
        route("GET", "/v1/domains/{name}", Access.ANY_TOKEN, null, (r, w) -> ApiResponse.ok(
                view(domains.get(w, r.param("name"), r.queryParam("tenant")))));
        route("DELETE", "/v1/domains/{name}", Access.ANY_TOKEN, "domain.delete", (r, w) -> {
            domains.delete(w, r.param("name"), r.queryParam("tenant"));
            return ApiResponse.noContent();
        });
        route("POST", "/v1/domains/{name}/check", Access.ANY_TOKEN, "domain.check", (r, w) -> {
            ApiResponse resp = ApiResponse.ok(view(domains.recheck(w, r.param("name"), r.queryParam("tenant"))));
            wakeUp();
            return resp;
        });
        route("POST", "/v1/domains/{name}/certificate", Access.ANY_TOKEN, "certificate.order", (r, w) -> {
            ApiResponse resp = new ApiResponse(202, AcmeServices.view(acme().managed().request(w, r.param("name"))),
                    "application/json");
            wakeUp();
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
                tokens.list(w).stream().map(this::view).toList())));
        route("DELETE", "/v1/tokens/{id}", Access.ADMIN, "token.revoke", (r, w) -> {
            if (!tokens.revoke(r.param("id"))) {
                throw ApiException.notFound("active token", r.param("id"));
            }
            return ApiResponse.noContent();
        });

        route("GET", "/v1/pools", Access.ADMIN, null, (r, w) -> ApiResponse.ok(Map.of("items",
                routing.pools(w).stream().map(this::viewWithHealth).toList())));
        route("PUT", "/v1/pools/{name}", Access.ADMIN, "pool.put", this::putPool);
        route("DELETE", "/v1/pools/{name}", Access.ADMIN, "pool.delete", (r, w) -> {
            routing.deletePool(w, r.param("name"));
            return ApiResponse.noContent();
        });
        route("GET", "/v1/routes", Access.ADMIN, null, (r, w) -> ApiResponse.ok(Map.of("items",
                routing.routes(w).stream().map(ConsoleViews::view).toList())));
        route("PUT", "/v1/routes/{host}", Access.ADMIN, "route.put", (r, w) -> {
            JsonNode b = r.json();
            ApiRequest.onlyFields(b, "pool");
            return ApiResponse.ok(ConsoleViews.view(routing.putRoute(w, r.param("host"), ApiRequest.text(b, "pool"))));
        });
        route("DELETE", "/v1/routes/{host}", Access.ADMIN, "route.delete", (r, w) -> {
            routing.deleteRoute(w, r.param("host"));
            return ApiResponse.noContent();
        });

        // observability (per node: levels and answers are this node's, see LogLevels and SniExplainer)
        route("GET", "/v1/log-levels", Access.ADMIN, null, (r, w) -> ApiResponse.ok(Map.of("items",
                observe.logLevels().list(w).stream().map(dev.gatehouse.appliance.logging.LogLevels.Setting::view)
                        .toList())));
        route("PUT", "/v1/log-levels/{logger}", Access.ADMIN, "log.level", this::putLogLevel);
        route("GET", "/v1/sni/{name}", Access.ANY_TOKEN, null, (r, w) -> {
            if (observe.sni() == null) {
                throw new ApiException(503, "engine-unavailable", "Service unavailable",
                        "this console has no data plane to explain", null);
            }
            return ApiResponse.ok(observe.sni().explain(w, r.param("name")));
        });
        // lifecycle events and webhooks (handlers in EventRoutes; 503 on a console built without them)
        route("GET", "/v1/events", Access.ANY_TOKEN, null, (r, w) -> events().list(r, w));
        route("POST", "/v1/webhooks", Access.ANY_TOKEN, "webhook.create", (r, w) -> events().create(r, w));
        route("GET", "/v1/webhooks", Access.ANY_TOKEN, null, (r, w) -> events().list(w));
        route("GET", "/v1/webhooks/{id}", Access.ANY_TOKEN, null, (r, w) -> events().get(r, w));
        route("DELETE", "/v1/webhooks/{id}", Access.ANY_TOKEN, "webhook.delete", (r, w) -> events().delete(r, w));

        route("POST", "/v1/access-log/reopen", Access.ADMIN, "access-log.reopen", (r, w) -> {
            Supplier<Map<String, Object>> reopen = accessLogReopen;
            if (reopen == null) {
                throw ApiException.conflict("access-log-disabled", null,
                        "this node writes no access log (accessLog.enabled: false)");
            }
            try {
                return ApiResponse.ok(reopen.get());
            } catch (java.io.UncheckedIOException e) {
                throw new ApiException(500, "access-log-reopen-failed", "Access log not reopened",
                        e.getCause().getMessage() + "; lines keep going to the file open before", null);
            }
        });
    }

    /** The events and webhooks handlers; set once at boot. */
    private volatile EventRoutes eventRoutes;

    public void events(EventRoutes routes) {
        this.eventRoutes = routes;
    }

    private EventRoutes events() throws ApiException {
        EventRoutes e = eventRoutes;
        if (e == null) {
            throw new ApiException(503, "events-unavailable", "Service unavailable",
                    "this console has no event log behind it", null);
        }
        return e;
    }

    /**
     * What {@code POST /v1/access-log/reopen} does: reopen the file (waiting for the writer) and return its
     * state; it throws {@link java.io.UncheckedIOException} when the file could not be reopened (500).
     */
    public void accessLogReopen(Supplier<Map<String, Object>> reopen) {
        this.accessLogReopen = reopen;
    }

    private void route(String method, String template, Access access, String action, Handler h) {
        StringBuilder regex = new StringBuilder();
        for (String part : template.split("(?=\\{)|(?<=\\})")) {
            regex.append(part.startsWith("{") ? "([^/]+)" : Pattern.quote(part));
        }
        List<String> params = new ArrayList<>();
        Matcher names = PARAM.matcher(template);
        while (names.find()) {
            params.add(names.group(1));
        }
        routes.add(new Route(method, template, access, action, h, Pattern.compile(regex.toString()), List.copyOf(params)));
    }

    /** Every route as {@code METHOD template}, for the OpenAPI consistency test. */
    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /** The route a request goes to, with its path matcher; route null when none (then pathMatched says 404 or 405). */
    private record Match(String path, Route route, Matcher matcher, boolean pathMatched) {

        ApiResponse problem(String method) {
            if (pathMatched) {
                return ConsoleApi.problem(new ApiException(405, "method-not-allowed", "Method not allowed",
                        method + " is not allowed on " + path, null), path);
            }
            return ConsoleApi.problem(new ApiException(404, "not-found", "Not found", "no such endpoint: " + path, null),
                    path);
        }
    }

    private Match match(String method, String rawPath) {
        String path = rawPath.length() > 1 && rawPath.endsWith("/") ? rawPath.substring(0, rawPath.length() - 1) : rawPath;
        boolean pathMatched = false;
        for (Route route : routes) {
            Matcher m = route.regex().matcher(path);
            if (!m.matches()) {
                continue;
            }
            pathMatched = true;
            if (route.method().equals(method)) {
                return new Match(path, route, m, true);
            }
        }
        return new Match(path, null, null, pathMatched);
    }

    /** Who may call the route {@code method rawPath} goes to; null when no route matches (404 or 405). */
    public Access access(String method, String rawPath) {
        Route route = match(method, rawPath).route();
        return route == null ? null : route.access();
    }

    /**
     * Checks a request on its head alone, before its body is read: the refusal {@link #handle} would give
     * for an unknown route (404/405), a missing or bad token (401) or a tenant token on an admin route
     * (403), audited as {@code handle} audits them; null when the body may be read and the request
     * handled. Never throws.
     */
    public ApiResponse preflight(String method, String rawPath, String authorization, String client) {
        Match match = match(method, rawPath);
        Route route = match.route();
        if (route == null) {
            return match.problem(method);
        }
        if (route.access() == Access.PUBLIC) {
            return null;
        }
        Principal who = null;
        try {
            who = tokens.authenticate(authorization);
            if (route.access() == Access.ADMIN) {
                who.requireAdmin();
            }
            return null;
        } catch (ServiceException failure) {
            ApiException e = ApiException.of(failure);
            audit.record(who, route.action() == null ? method + " " + route.template() : route.action(), match.path(),
                    e.type(), client);
            return problem(e, match.path());
        } catch (RuntimeException e) {
            return problem(new ApiException(500, "internal", "Internal error",
                    "unexpected " + e.getClass().getSimpleName() + "; see the node log", null), match.path());
        }
    }

    /** Handles one request; never throws: refusals become problem documents. */
    public ApiResponse handle(String method, String rawPath, Map<String, List<String>> query, String authorization,
            byte[] body, String client) {
        Match match = match(method, rawPath);
        String path = match.path();
        Route route = match.route();
        if (route == null) {
            return match.problem(method);
        }
        Matcher m = match.matcher();
        Map<String, String> params = new HashMap<>();
        for (int g = 0; g < route.params().size(); g++) {
            String name = route.params().get(g);
            String raw = m.group(g + 1);
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
        } catch (ApiException | ServiceException failure) {
            ApiException e = failure instanceof ServiceException se ? ApiException.of(se) : (ApiException) failure;
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

    private void wakeUp() {
        if (acme != null) {
            acme.wakeUp().run();
        }
    }

    private static boolean flag(ApiRequest r, String name) throws ApiException {
        String v = r.queryParam(name);
        if (v == null || v.equals("false")) {
            return false;
        }
        if (v.equals("true")) {
            return true;
        }
        throw ApiException.badRequest("invalid-field", name, name + ": '" + v + "' (expected: true or false)");
    }

    private ApiResponse claim(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        JsonNode b = r.json();
        ApiRequest.onlyFields(b, "name", "tenant", "verified");
        DomainService.Claimed c = domains.claim(w, ApiRequest.text(b, "tenant"), ApiRequest.text(b, "name"),
                ApiRequest.bool(b, "verified", false));
        wakeUp();
        Map<String, Object> view = view(c.domain());
        return c.created() ? ApiResponse.created(view) : ApiResponse.ok(view);
    }

    private ApiResponse claimAlias(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        JsonNode b = r.json();
        ApiRequest.onlyFields(b, "name");
        String name = ApiRequest.text(b, "name");
        if (name == null) {
            throw ApiException.unprocessable("invalid-field", "name", "name: missing (expected: a DNS name)");
        }
        DomainService.Claimed c = domains.claim(w, r.param("tenant"), name, w.admin());
        wakeUp();
        Map<String, Object> out = new LinkedHashMap<>(view(tenants.get(w, r.param("tenant"))));
        out.put("claim", view(c.domain()));
        return ApiResponse.ok(out);
    }

    private ApiResponse createTenant(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        JsonNode b = r.json();
        ApiRequest.onlyFields(b, "id", "displayName");
        return ApiResponse.created(view(tenants.create(w, ApiRequest.text(b, "id"), ApiRequest.text(b, "displayName"))));
    }

    private CertificateService.Upload upload(ApiRequest r) throws ApiException {
        JsonNode b = r.json();
        ApiRequest.onlyFields(b, "tenant", "certificatePem", "privateKeyPem", "pkcs12", "password");
        return new CertificateService.Upload(ApiRequest.text(b, "tenant"), ApiRequest.text(b, "certificatePem"),
                ApiRequest.text(b, "privateKeyPem"), ApiRequest.text(b, "pkcs12"), ApiRequest.text(b, "password"));
    }

    private ApiResponse listCertificates(ApiRequest r, Principal w) throws ApiException, ServiceException {
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

    private ApiResponse createToken(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        JsonNode b = r.json();
        ApiRequest.onlyFields(b, "scope", "description", "ttl", "expiresAt");
        TokenService.Issued issued = tokens.create(w, ApiRequest.text(b, "scope"), ApiRequest.text(b, "description"),
                ApiRequest.duration(b, "ttl"), ApiRequest.instant(b, "expiresAt"));
        Map<String, Object> out = new LinkedHashMap<>(view(issued.record()));
        out.put("token", issued.token()); // shown once, never stored in clear
        return ApiResponse.created(out);
    }

    private ApiResponse putPool(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        JsonNode b = r.json();
        ApiRequest.onlyFields(b, "servers", "policy", "healthPath");
        List<String> servers = null;
        JsonNode s = b.get("servers");
        if (s != null && !s.isNull()) {
            if (!s.isArray()) {
                throw ApiException.badRequest("invalid-field", "servers", "servers: " + s.getNodeType().name()
                        .toLowerCase() + " (expected: a list of host:port)");
            }
            servers = new ArrayList<>();
            for (JsonNode n : s) {
                if (!n.isTextual()) {
                    throw ApiException.badRequest("invalid-field", "servers", "servers: " + n
                            + " (expected: host:port strings)");
                }
                servers.add(n.asText());
            }
        }
        return ApiResponse.ok(viewWithHealth(routing.putPool(w, r.param("name"), servers, ApiRequest.text(b, "policy"),
                ApiRequest.text(b, "healthPath"))));
    }

    private ApiResponse putLogLevel(ApiRequest r, Principal w) throws ApiException, ServiceException {
        JsonNode b = r.json();
        ApiRequest.onlyFields(b, "level");
        if (!b.has("level")) {
            throw ApiException.unprocessable("invalid-field", "level", "level: missing (expected: one of "
                    + String.join(", ", dev.gatehouse.appliance.logging.LogLevels.LEVELS) + ", or null to inherit)");
        }
        return ApiResponse.ok(observe.logLevels().set(w, r.param("logger"), ApiRequest.text(b, "level")).view());
    }

    private Map<String, Object> viewWithHealth(PoolRecord p) {
        List<Map<String, Object>> health = observe.poolHealth().apply(p.name());
        return ConsoleViews.view(p, health != null ? health : dev.gatehouse.appliance.observe.PoolHealth.unrouted(p.servers()));
    }

    // ---- views: what only the services know, added to ConsoleViews' static views ----------------


    Map<String, Object> view(CertificateRecord c, boolean withChain) {
        Map<String, Object> m = ConsoleViews.view(c, withChain, certificates.servedNames(c));
        Function<CertificateRecord, Map<String, Object>> ocsp = this.ocsp;
        m.put("ocsp", ocsp == null ? null : ocsp.apply(c));
        return m;
    }

    /** OCSP stapling state of a certificate (null: stapling is off, {@code ocsp.enabled: false}). */
    private volatile Function<CertificateRecord, Map<String, Object>> ocsp;

    /** Adds each certificate's OCSP stapling state to its views ({@code ocsp}). */
    public void ocsp(Function<CertificateRecord, Map<String, Object>> status) {
        this.ocsp = status;
        if (observe.sni() != null) {
            observe.sni().ocsp(status);
        }
    }

    /** A tenant: {@code domains} are its verified names, {@code pendingDomains} its unproven claims. */
    Map<String, Object> view(TenantRecord t) {
        List<DomainRecord> claims = domains.index().claimsOf(t.id());
        return ConsoleViews.view(t, claims.stream().filter(DomainRecord::verified).map(DomainRecord::name).sorted().toList(),
                claims.stream().filter(d -> !d.verified()).map(DomainRecord::name).sorted().toList());
    }

    Map<String, Object> view(TokenRecord t) {
        return ConsoleViews.view(t, tokens.lastUsedAt(t.id()));
    }

    Map<String, Object> view(DomainRecord d) {
        return ConsoleViews.view(d, domains.settings().target(), domains.settings().pendingTtl().toMillis());
    }
}
