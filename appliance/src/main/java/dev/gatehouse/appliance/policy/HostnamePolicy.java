package dev.gatehouse.appliance.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.tls.policy.CidrSet;
import dev.gatehouse.tls.policy.HostPolicy;
import dev.gatehouse.tls.sni.Hostnames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One hostname's policy as the API reads and writes it: every field optional, each checked on its
 * own with an error naming the field, the bad value and what was expected. Stored as the canonical
 * JSON {@link #toJson()} writes (only the fields set), compiled for the data plane by
 * {@link PolicyCompiler}.
 *
 * @param minTlsVersion {@code 1.2} or {@code 1.3}; null = the listener's (1.2)
 * @param hsts          {@code Strict-Transport-Security} on every response, or null
 * @param redirectHttp  what port 80 does for the name, or null for the listener's {@code redirectHttp}
 * @param origin        another pool (and Host) for the name's requests, or null
 * @param errorPages    HTML bodies by status (421, 429, 502, 503, 504), or empty
 * @param ipAllow       CIDRs (IPv4, IPv6) allowed; empty = everyone
 * @param ipDeny        CIDRs refused (checked before {@code ipAllow})
 * @param ipDenyAction  {@code 403} (HTTP answer) or {@code alert} (the TLS handshake is refused)
 * @param rateLimit     requests per second and burst per client address, or null
 * @param metadata      JSON forwarded to the backend, base64, in {@value HostPolicy#METADATA_HEADER}, or null
 */
public record HostnamePolicy(String minTlsVersion, Hsts hsts, Redirect redirectHttp, Origin origin,
        Map<Integer, String> errorPages, List<String> ipAllow, List<String> ipDeny, String ipDenyAction,
        RateLimit rateLimit, JsonNode metadata) {

    /** Hard limits, whoever writes the policy. */
    public static final int MAX_METADATA_BYTES = 4096;
    public static final int MAX_ERROR_PAGE_BYTES = 64 * 1024;
    public static final int MAX_IP_ENTRIES = 100_000;
    public static final long MAX_HSTS_AGE = 10L * 365 * 24 * 3600; // ten years
    public static final int MAX_RATE = 1_000_000;

    /** Every field of the document, in canonical order. */
    public static final List<String> FIELDS = List.of("minTlsVersion", "hsts", "redirectHttp", "origin", "errorPages",
            "ipAllow", "ipDeny", "ipDenyAction", "rateLimit", "metadata");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code maxAge} in seconds; {@code preload} only when asked. */
    public record Hsts(long maxAge, boolean includeSubDomains, boolean preload) {
    }

    /** {@code enabled} false: no redirect (404); else {@code status} 301, 302, 307 or 308. */
    public record Redirect(boolean enabled, int status) {
    }

    /** {@code pool}: an existing pool; {@code host}: the Host header towards it (null: the client's). */
    public record Origin(String pool, String host) {
    }

    public record RateLimit(double requestsPerSecond, int burst) {
    }

    public HostnamePolicy {
        errorPages = errorPages == null ? Map.of() : Map.copyOf(errorPages);
        ipAllow = ipAllow == null ? List.of() : List.copyOf(ipAllow);
        ipDeny = ipDeny == null ? List.of() : List.copyOf(ipDeny);
    }

    /** Reads and checks a policy document (the body of {@code PUT /v1/domains/{name}/policy}). */
    public static HostnamePolicy parse(JsonNode body) throws ServiceException {
        if (body == null || !body.isObject()) {
            throw bad(null, "policy: not a JSON object");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw bad(f, f + ": unknown field (expected: " + String.join(", ", FIELDS) + ")");
            }
        }
        String tls = null;
        JsonNode t = present(body, "minTlsVersion");
        if (t != null) {
            tls = t.isTextual() || t.isNumber() ? t.asText() : null;
            if (!"1.2".equals(tls) && !"1.3".equals(tls)) {
                throw bad("minTlsVersion", "minTlsVersion: " + t + " (expected: \"1.2\" or \"1.3\")");
            }
        }
        return new HostnamePolicy(tls, hsts(present(body, "hsts")), redirect(present(body, "redirectHttp")),
                origin(present(body, "origin")), errorPages(present(body, "errorPages")),
                cidrs(body, "ipAllow"), cidrs(body, "ipDeny"), denyAction(present(body, "ipDenyAction")),
                rateLimit(present(body, "rateLimit")), metadata(present(body, "metadata")));
    }

    /** Reads a stored policy (written by {@link #toJson()}, so it parses). */
    public static HostnamePolicy fromStored(String json) throws ServiceException {
        try {
            return parse(JSON.readTree(json));
        } catch (java.io.IOException e) {
            throw bad(null, "stored policy: " + e.getMessage());
        }
    }

    private static Hsts hsts(JsonNode n) throws ServiceException {
        if (n == null) {
            return null;
        }
        object(n, "hsts", "maxAge", "includeSubDomains", "preload");
        JsonNode age = n.get("maxAge");
        if (age == null || !age.canConvertToLong() || !age.isIntegralNumber() || age.asLong() < 0
                || age.asLong() > MAX_HSTS_AGE) {
            throw bad("hsts.maxAge", "hsts.maxAge: " + age + " (expected: seconds, 0-" + MAX_HSTS_AGE + ")");
        }
        return new Hsts(age.asLong(), bool(n, "hsts", "includeSubDomains"), bool(n, "hsts", "preload"));
    }

    private static Redirect redirect(JsonNode n) throws ServiceException {
        if (n == null) {
            return null;
        }
        if (n.isBoolean()) {
            return new Redirect(n.asBoolean(), n.asBoolean() ? 308 : 0);
        }
        object(n, "redirectHttp", "enabled", "status");
        boolean on = !n.has("enabled") || bool(n, "redirectHttp", "enabled");
        JsonNode s = n.get("status");
        int status = 308;
        if (s != null && !s.isNull()) {
            status = s.isIntegralNumber() ? s.asInt() : -1;
            if (status != 301 && status != 302 && status != 307 && status != 308) {
                throw bad("redirectHttp.status", "redirectHttp.status: " + s + " (expected: 301, 302, 307 or 308)");
            }
        }
        return new Redirect(on, on ? status : 0);
    }

    private static Origin origin(JsonNode n) throws ServiceException {
        if (n == null) {
            return null;
        }
        if (n.isObject() && n.has("sni")) {
            throw bad("origin.sni", "origin.sni: " + n.get("sni") + " (not available: pools reach their servers "
                    + "over plain HTTP, so there is no TLS towards the backend to rewrite the SNI of)");
        }
        object(n, "origin", "pool", "host");
        JsonNode p = n.get("pool");
        if (p == null || !p.isTextual() || p.asText().isEmpty()) {
            throw bad("origin.pool", "origin.pool: " + p + " (expected: the name of a pool)");
        }
        String host = null;
        JsonNode h = n.get("host");
        if (h != null && !h.isNull()) {
            String raw = h.isTextual() ? h.asText() : null;
            String bare = raw == null ? null : Hostnames.withoutPort(raw);
            if (bare == null || Hostnames.normalize(bare) == null || raw.length() > 260) {
                throw bad("origin.host", "origin.host: " + h + " (expected: a DNS name, optionally with :port)");
            }
            host = raw;
        }
        return new Origin(p.asText(), host);
    }

    private static Map<Integer, String> errorPages(JsonNode n) throws ServiceException {
        if (n == null) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw bad("errorPages", "errorPages: " + kind(n) + " (expected: an object of status → HTML)");
        }
        Map<Integer, String> out = new TreeMap<>();
        Set<String> allowed = Set.of("421", "429", "502", "503", "504");
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = "errorPages." + e.getKey();
            if (!allowed.contains(e.getKey())) {
                throw bad(at, at + ": unknown status (expected: 421, 429, 502, 503 or 504)");
            }
            if (!e.getValue().isTextual()) {
                throw bad(at, at + ": " + kind(e.getValue()) + " (expected: an HTML string)");
            }
            int size = e.getValue().asText().getBytes(StandardCharsets.UTF_8).length;
            if (size > MAX_ERROR_PAGE_BYTES) {
                throw bad(at, at + ": " + size + " bytes (expected: at most " + MAX_ERROR_PAGE_BYTES + ")");
            }
            out.put(Integer.parseInt(e.getKey()), e.getValue().asText());
        }
        return out;
    }

    private static List<String> cidrs(JsonNode body, String field) throws ServiceException {
        JsonNode n = present(body, field);
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            throw bad(field, field + ": " + kind(n) + " (expected: a list of CIDRs such as 192.0.2.0/24 or "
                    + "2001:db8::/32)");
        }
        if (n.size() > MAX_IP_ENTRIES) {
            throw bad(field, field + ": " + n.size() + " entries (expected: at most " + MAX_IP_ENTRIES + ")");
        }
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isTextual()) {
                throw bad(field, field + "[" + i + "]: " + e + " (expected: a CIDR string)");
            }
            out.add(e.asText());
        }
        try {
            CidrSet.parse(field, out); // names the entry and its index when one does not parse
        } catch (IllegalArgumentException e) {
            throw bad(field, e.getMessage());
        }
        return out;
    }

    private static String denyAction(JsonNode n) throws ServiceException {
        if (n == null) {
            return null;
        }
        String v = n.isTextual() || n.isNumber() ? n.asText() : null;
        if (!"403".equals(v) && !"alert".equals(v)) {
            throw bad("ipDenyAction", "ipDenyAction: " + n + " (expected: \"403\" or \"alert\")");
        }
        return v;
    }

    private static RateLimit rateLimit(JsonNode n) throws ServiceException {
        if (n == null) {
            return null;
        }
        object(n, "rateLimit", "requestsPerSecond", "burst");
        JsonNode r = n.get("requestsPerSecond");
        if (r == null || !r.isNumber() || !(r.asDouble() > 0) || r.asDouble() > MAX_RATE) {
            throw bad("rateLimit.requestsPerSecond", "rateLimit.requestsPerSecond: " + r + " (expected: a number "
                    + "> 0 and <= " + MAX_RATE + ")");
        }
        JsonNode b = n.get("burst");
        int burst = (int) Math.max(1, Math.ceil(r.asDouble()));
        if (b != null && !b.isNull()) {
            if (!b.isIntegralNumber() || b.asLong() < 1 || b.asLong() > MAX_RATE) {
                throw bad("rateLimit.burst", "rateLimit.burst: " + b + " (expected: a whole number 1-" + MAX_RATE
                        + ")");
            }
            burst = b.asInt();
        }
        return new RateLimit(r.asDouble(), burst);
    }

    private static JsonNode metadata(JsonNode n) throws ServiceException {
        if (n == null) {
            return null;
        }
        if (!n.isObject()) {
            throw bad("metadata", "metadata: " + kind(n) + " (expected: a JSON object)");
        }
        int size = n.toString().getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_METADATA_BYTES) {
            throw bad("metadata", "metadata: " + size + " bytes as compact JSON (expected: at most "
                    + MAX_METADATA_BYTES + ")");
        }
        return n;
    }

    /** The canonical JSON: only the fields set, in a fixed order (a record's fields in component order). */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        if (minTlsVersion != null) {
            o.put("minTlsVersion", minTlsVersion);
        }
        if (hsts != null) {
            o.set("hsts", JSON.valueToTree(hsts));
        }
        if (redirectHttp != null) {
            ObjectNode r = o.putObject("redirectHttp");
            r.put("enabled", redirectHttp.enabled());
            if (redirectHttp.enabled()) {
                r.put("status", redirectHttp.status());
            }
        }
        if (origin != null) {
            ObjectNode r = o.putObject("origin");
            r.put("pool", origin.pool());
            if (origin.host() != null) {
                r.put("host", origin.host());
            }
        }
        if (!errorPages.isEmpty()) {
            ObjectNode p = o.putObject("errorPages");
            errorPages.forEach((k, v) -> p.put(String.valueOf(k), v));
        }
        if (!ipAllow.isEmpty()) {
            ipAllow.forEach(o.putArray("ipAllow")::add);
        }
        if (!ipDeny.isEmpty()) {
            ipDeny.forEach(o.putArray("ipDeny")::add);
        }
        if (ipDenyAction != null) {
            o.put("ipDenyAction", ipDenyAction);
        }
        if (rateLimit != null) {
            o.set("rateLimit", JSON.valueToTree(rateLimit));
        }
        if (metadata != null) {
            o.set("metadata", metadata);
        }
        return o;
    }

    /** The fields that are set, for the audit line. */
    public List<String> fieldsSet() {
        List<String> out = new ArrayList<>();
        toJson().fieldNames().forEachRemaining(out::add);
        return out;
    }

    // ---- small readers ---------------------------------------------------------------------------

    private static JsonNode present(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n;
    }

    private static void object(JsonNode n, String at, String... fields) throws ServiceException {
        if (!n.isObject()) {
            throw bad(at, at + ": " + kind(n) + " (expected: an object with " + String.join(", ", fields) + ")");
        }
        List<String> ok = List.of(fields);
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!ok.contains(f)) {
                throw bad(at + "." + f, at + "." + f + ": unknown field (expected: " + String.join(", ", ok) + ")");
            }
        }
    }

    private static boolean bool(JsonNode n, String at, String field) throws ServiceException {
        JsonNode b = n.get(field);
        if (b == null || b.isNull()) {
            return false;
        }
        if (!b.isBoolean()) {
            throw bad(at + "." + field, at + "." + field + ": " + b + " (expected: true or false)");
        }
        return b.asBoolean();
    }

    private static String kind(JsonNode n) {
        return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    static ServiceException bad(String field, String detail) {
        return ServiceException.malformed("invalid-field", field, detail);
    }
}
