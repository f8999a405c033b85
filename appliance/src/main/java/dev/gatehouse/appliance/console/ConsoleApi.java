package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.domains.DomainService;
import dev.gatehouse.appliance.logging.LogLevels;
import dev.gatehouse.appliance.observe.SniExplainer;
import dev.gatehouse.appliance.routing.RoutingService;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.StoreException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The console API, transport-free: the route table, and what every route shares (authentication,
 * the admin rule, the audit line, {@code Idempotency-Key}, {@code ETag}, problem documents). Each
 * resource's handlers live in a class named after it ({@link TenantResource},
 * {@link CertificateResource}, ...); the table below says which handler answers which request.
 * {@link ConsoleServer} feeds it HTTPS requests; tests call {@link #handle} directly; the OpenAPI
 * consistency test checks the document against {@link #routes()}. Handlers call the services,
 * which refuse in their own terms ({@link ServiceException}); only this class turns those refusals
 * into problem documents.
 *
 * <p>Why it is a little over 400 lines: the route table (the constructor, ~80 lines, one line a
 * route) stays in one place on purpose, so that a reader and the OpenAPI test see every route, its
 * access rule and its audit action together; the rest is the request pipeline every route shares.
 */
public final class ConsoleApi implements ConsoleConnection.Api {

    /** Who may call a route. */
    public enum Access { PUBLIC, ANY_TOKEN, ADMIN }

    @FunctionalInterface
    interface Handler {
        ApiResponse handle(ApiRequest req, Principal who) throws ApiException, ServiceException, StoreException;
    }

    /**
     * One route; {@code template} uses {@code {name}} for path parameters, as OpenAPI does;
     * {@code regex} is compiled once, when the route is added.
     */
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
    public record Observe(LogLevels logLevels, SniExplainer sni, Function<String, List<Map<String, Object>>> poolHealth) {
    }

    private static final Pattern PARAM = Pattern.compile("\\{([a-z]+)\\}");
    private static final Pattern TEMPLATE_PARTS = Pattern.compile("(?=\\{)|(?<=\\})");

    private final List<Route> routes = new ArrayList<>();
    private final TokenService tokens;
    private final AuditLog audit;
    private final AccessLogResource accessLog = new AccessLogResource();
    private final Idempotency idempotency = new Idempotency();
    private final LiveViews views;
    private final Observe observe;

    /** The hostname policy handlers; set once at boot (503 before, and on consoles built without them). */
    private final LateBound<DomainPolicyResource> policyRoutes = new LateBound<>("policies-unavailable",
            "this console has no hostname policies behind it");
    /** The events and webhooks handlers; set once at boot (503 before, and on consoles built without them). */
    private final LateBound<EventRoutes> eventRoutes = new LateBound<>("events-unavailable",
            "this console has no event log behind it");

    /** A console without an engine behind it (tests of the route table): no SNI explanation, no pool health. */
    public ConsoleApi(Services services, Function<Principal, Map<String, Object>> status, Supplier<Boolean> ready,
            AcmeServices acme) {
        this(services, status, ready, acme, new Observe(new LogLevels(), null, name -> null));
    }

    /**
     * @param status what {@code /v1/status} shows the caller (a tenant token sees only its own objects)
     * @param acme   null: ACME disabled, the managed-certificate endpoints answer {@code acme-disabled}
     */
    public ConsoleApi(Services services, Function<Principal, Map<String, Object>> status, Supplier<Boolean> ready,
            AcmeServices acme, Observe observe) {
        this.tokens = services.tokens();
        this.audit = services.audit();
        this.observe = observe;
        Runnable wakeUp = acme == null ? () -> { } : acme.wakeUp();
        views = new LiveViews(services);
        StatusResource probes = new StatusResource(status, ready);
        TenantResource tenants = new TenantResource(services.tenants(), views);
        DomainResource domains = new DomainResource(services.domains(), services.tenants(), views, wakeUp);
        CertificateResource certificates = new CertificateResource(services.certificates(), views);
        ManagedCertificateResource managed = new ManagedCertificateResource(acme);
        TokenResource tokenRoutes = new TokenResource(services.tokens(), views);
        PoolResource pools = new PoolResource(services.routing(), observe.poolHealth());
        RouteResource hostRoutes = new RouteResource(services.routing());
        LogLevelResource logLevels = new LogLevelResource(observe.logLevels());
        SniResource sni = new SniResource(observe.sni());

        route("GET", "/healthz", Access.PUBLIC, null, probes::health);
        route("GET", "/readyz", Access.PUBLIC, null, probes::ready);
        route("GET", "/v1/openapi.json", Access.PUBLIC, null, probes::openApi);
        route("GET", "/v1/status", Access.ANY_TOKEN, null, probes::status);

        route("POST", "/v1/tenants", Access.ADMIN, "tenant.create", tenants::create);
        route("GET", "/v1/tenants", Access.ANY_TOKEN, null, tenants::list);
        route("GET", "/v1/tenants/{tenant}", Access.ANY_TOKEN, null, tenants::get);
        route("DELETE", "/v1/tenants/{tenant}", Access.ADMIN, "tenant.delete", tenants::delete);
        // alias of POST /v1/domains, kept for clients of earlier releases: an admin assigns, a tenant claims
        route("POST", "/v1/tenants/{tenant}/domains", Access.ANY_TOKEN, "domain.claim", domains::claimAlias);
        route("DELETE", "/v1/tenants/{tenant}/domains/{name}", Access.ANY_TOKEN, "domain.release", domains::releaseAlias);

        route("POST", "/v1/certificates", Access.ANY_TOKEN, "certificate.upload", certificates::upload);
        route("GET", "/v1/certificates", Access.ANY_TOKEN, null, certificates::list);
        route("GET", "/v1/certificates/{id}", Access.ANY_TOKEN, null, certificates::get);
        route("PUT", "/v1/certificates/{id}", Access.ANY_TOKEN, "certificate.replace", certificates::replace);
        route("DELETE", "/v1/certificates/{id}", Access.ANY_TOKEN, "certificate.delete", certificates::delete);

        route("POST", "/v1/domains", Access.ANY_TOKEN, "domain.claim", domains::claim);
        route("GET", "/v1/domains", Access.ANY_TOKEN, null, domains::list);
        route("GET", "/v1/domains/{name}", Access.ANY_TOKEN, null, domains::get);
        route("DELETE", "/v1/domains/{name}", Access.ANY_TOKEN, "domain.delete", domains::delete);
        route("POST", "/v1/domains/{name}/check", Access.ANY_TOKEN, "domain.check", domains::check);
        // per-hostname policy (handlers in DomainPolicyResource; 503 on a console built without them)
        route("GET", "/v1/domains/{name}/policy", Access.ANY_TOKEN, null, (r, w) -> policyRoutes.get().get(r, w));
        route("PUT", "/v1/domains/{name}/policy", Access.ANY_TOKEN, "domain.policy.put",
                (r, w) -> policyRoutes.get().put(r, w));
        route("DELETE", "/v1/domains/{name}/policy", Access.ANY_TOKEN, "domain.policy.delete",
                (r, w) -> policyRoutes.get().delete(r, w));

        route("POST", "/v1/domains/{name}/certificate", Access.ANY_TOKEN, "certificate.order", managed::order);
        route("GET", "/v1/domains/{name}/certificate", Access.ANY_TOKEN, null, managed::get);
        route("DELETE", "/v1/domains/{name}/certificate", Access.ANY_TOKEN, "certificate.unmanage", managed::stop);
        route("GET", "/v1/managed-certificates", Access.ANY_TOKEN, null, managed::list);

        route("POST", "/v1/tokens", Access.ADMIN, "token.create", tokenRoutes::create);
        route("GET", "/v1/tokens", Access.ADMIN, null, tokenRoutes::list);
        route("DELETE", "/v1/tokens/{id}", Access.ADMIN, "token.revoke", tokenRoutes::revoke);

        route("GET", "/v1/pools", Access.ADMIN, null, pools::list);
        route("PUT", "/v1/pools/{name}", Access.ADMIN, "pool.put", pools::put);
        route("DELETE", "/v1/pools/{name}", Access.ADMIN, "pool.delete", pools::delete);
        route("GET", "/v1/routes", Access.ADMIN, null, hostRoutes::list);
        route("PUT", "/v1/routes/{host}", Access.ADMIN, "route.put", hostRoutes::put);
        route("DELETE", "/v1/routes/{host}", Access.ADMIN, "route.delete", hostRoutes::delete);

        // observability (per node: levels and answers are this node's, see LogLevels and SniExplainer)
        route("GET", "/v1/log-levels", Access.ADMIN, null, logLevels::list);
        route("PUT", "/v1/log-levels/{logger}", Access.ADMIN, "log.level", logLevels::put);
        route("GET", "/v1/sni/{name}", Access.ANY_TOKEN, null, sni::explain);
        route("POST", "/v1/access-log/reopen", Access.ADMIN, "access-log.reopen", accessLog::reopen);

        // lifecycle events and webhooks (handlers in EventRoutes, set at boot)
        route("GET", "/v1/events", Access.ANY_TOKEN, null, (r, w) -> eventRoutes.get().list(r, w));
        route("POST", "/v1/webhooks", Access.ANY_TOKEN, "webhook.create", (r, w) -> eventRoutes.get().create(r, w));
        route("GET", "/v1/webhooks", Access.ANY_TOKEN, null, (r, w) -> eventRoutes.get().listWebhooks(r, w));
        route("GET", "/v1/webhooks/{id}", Access.ANY_TOKEN, null, (r, w) -> eventRoutes.get().get(r, w));
        route("DELETE", "/v1/webhooks/{id}", Access.ANY_TOKEN, "webhook.delete",
                (r, w) -> eventRoutes.get().delete(r, w));
    }

    /** Sets the hostname policy handlers, once at boot. */
    public void policies(DomainPolicyResource resource) {
        policyRoutes.set(resource);
    }

    /** Sets the event and webhook handlers, once at boot. */
    public void events(EventRoutes routes) {
        eventRoutes.set(routes);
    }

    /**
     * What {@code POST /v1/access-log/reopen} does: reopen the file (waiting for the writer) and return its
     * state; it throws {@link java.io.UncheckedIOException} when the file could not be reopened (500).
     */
    public void accessLogReopen(Supplier<Map<String, Object>> reopen) {
        accessLog.reopenWith(reopen);
    }

    private void route(String method, String template, Access access, String action, Handler h) {
        StringBuilder regex = new StringBuilder();
        for (String part : TEMPLATE_PARTS.split(template)) {
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
    @Override
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
    @Override
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
                    e.problem().type(), client);
            return problem(e, match.path());
        } catch (RuntimeException e) {
            return problem(new ApiException(500, "internal", "Internal error",
                    "unexpected " + e.getClass().getSimpleName() + "; see the node log", null), match.path());
        }
    }

    /** Handles one request with only a bearer header; never throws: refusals become problem documents. */
    @Override
    public ApiResponse handle(String method, String rawPath, Map<String, List<String>> query, String authorization,
            byte[] body, String client) {
        Map<String, String> headers = new HashMap<>();
        if (authorization != null) {
            headers.put("authorization", authorization);
        }
        return handleWithHeaders(method, rawPath, query, headers, body, client);
    }

    /**
     * Handles one request; never throws: refusals become problem documents. {@code headers}: the
     * request headers the API reads, by lower-case name ({@code authorization}, {@code if-match},
     * {@code idempotency-key}); others are ignored.
     */
    @Override
    public ApiResponse handleWithHeaders(String method, String rawPath, Map<String, List<String>> query,
            Map<String, String> headers, byte[] body, String client) {
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
                params.put(name, URLDecoder.decode(raw, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) { // a stray or short %-escape, e.g. %zz or %2
                return problem(ApiException.badRequest("invalid-field", name, name + ": '" + raw
                        + "' (expected: a path segment whose % escapes are %XX hex pairs)"), path);
            }
        }
        Map<String, String> lower = new HashMap<>();
        headers.forEach((k, v) -> {
            if (v != null) {
                lower.put(k.toLowerCase(Locale.ROOT), v);
            }
        });
        ApiRequest req = new ApiRequest(method, path, params, query, Map.copyOf(lower), body, client);
        Principal who = null;
        try {
            if (route.access() != Access.PUBLIC) {
                who = tokens.authenticate(req.header("authorization"));
                if (route.access() == Access.ADMIN) {
                    who.requireAdmin();
                }
            }
            Principal caller = who;
            ApiResponse resp = method.equals("POST")
                    ? idempotency.run(req, who, () -> route.handler().handle(req, caller))
                    : route.handler().handle(req, who);
            if (route.action() != null) {
                audit.record(who, route.action(), objectOf(route, req, resp),
                        resp.header("Idempotent-Replayed") != null ? "replayed" : "ok", client);
            }
            return withETag(resp);
        } catch (ApiException | ServiceException failure) {
            ApiException e = failure instanceof ServiceException se ? ApiException.of(se) : (ApiException) failure;
            ApiException.Problem refusal = e.problem();
            if (route.action() != null || refusal.status() == 401 || refusal.status() == 403) {
                audit.record(who, route.action() == null ? method + " " + route.template() : route.action(),
                        objectOf(route, req, null), refusal.type(), client);
            }
            ApiResponse p = problem(e, path);
            return refusal.status() == 412 && refusal.extra().get("revision") instanceof String rev
                    ? p.withHeader("ETag", "\"" + rev + "\"") : p;
        } catch (StoreException e) {
            return problem(new ApiException(503, "store-unavailable", "Service unavailable",
                    "the store could not persist the change; nothing was changed (" + e.getMessage() + ")", null), path);
        } catch (RuntimeException e) {
            return problem(new ApiException(500, "internal", "Internal error",
                    "unexpected " + e.getClass().getSimpleName() + "; see the node log", null), path);
        } catch (Exception e) { // Idempotency.Action's checked throws are the three above
            return problem(new ApiException(500, "internal", "Internal error",
                    "unexpected " + e.getClass().getSimpleName() + "; see the node log", null), path);
        }
    }

    /** A single object's answer carries its revision as {@code ETag}, for a later {@code If-Match}. */
    private static ApiResponse withETag(ApiResponse resp) {
        if (resp.header("ETag") != null || resp.status() >= 300) {
            return resp;
        }
        String rev = resp.body() instanceof ConsoleViews.Revisioned v ? v.revision()
                : resp.body() instanceof Map<?, ?> m && m.get("revision") instanceof String s ? s : null;
        return rev == null ? resp : resp.withHeader("ETag", "\"" + rev + "\"");
    }

    private static String objectOf(Route route, ApiRequest req, ApiResponse resp) {
        String id = resp == null ? null : resp.body() instanceof ConsoleViews.Identified v ? v.id()
                : resp.body() instanceof Map<?, ?> m && m.get("id") instanceof String s ? s : null;
        if (id != null) {
            return route.template().split("/")[2] + "/" + id;
        }
        return req.path();
    }

    /** RFC 9457 problem document. */
    public static ApiResponse problem(ApiException e, String instance) {
        ApiException.Problem refusal = e.problem();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("type", "https://gatehouse.dev/problems/" + refusal.type());
        p.put("title", refusal.title());
        p.put("status", refusal.status());
        p.put("detail", refusal.detail());
        if (refusal.field() != null) {
            p.put("field", refusal.field());
        }
        p.put("instance", instance);
        p.putAll(refusal.extra());
        return new ApiResponse(refusal.status(), p, "application/problem+json");
    }

    /**
     * Adds each certificate's OCSP stapling state to its views ({@code ocsp}; null while stapling is
     * off, {@code ocsp.enabled: false}) and to the SNI explanations.
     */
    public void ocsp(Function<dev.gatehouse.cluster.store.CertificateRecord, Map<String, Object>> status) {
        views.ocsp(status);
        if (observe.sni() != null) {
            observe.sni().ocsp(status);
        }
    }
}
