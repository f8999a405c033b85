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
 * What leaves the node, as the console shows it: never keys, never token hashes. Static views of
 * records, so the OpenAPI consistency test can hold each one's fields against its schema;
 * {@link ConsoleApi} passes in what only the services know (served names, last use, claim
 * settings, pool health). Revisions are 64-bit; as strings they survive JavaScript clients.
 */
final class ConsoleViews {

    private ConsoleViews() {
    }


    private static String time(long millis) {
        return millis <= 0 ? null : Instant.ofEpochMilli(millis).toString();
    }

    /** A certificate; {@code served}: the names it is served for (covered by a verified claim of its tenant). */
    static Map<String, Object> view(CertificateRecord c, boolean withChain, List<String> served) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("tenant", c.tenant());
        m.put("names", c.names());
        m.put("servedNames", served);
        List<String> waiting = c.names().stream().filter(n -> !served.contains(n)).toList();
        m.put("notServedNames", waiting);
        if (!waiting.isEmpty()) {
            m.put("notServedReason", "the tenant's claim on " + waiting + " is not verified yet; the certificate is "
                    + "stored and will be served for those names once the claim is proven");
        }
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
        m.put("ocsp", null); // the OCSP stapling state, added by the console when stapling is on
        if (withChain) {
            m.put("chainPem", c.chainPem());
        }
        return m;
    }

    /** Revisions are 64-bit; as strings they survive JavaScript clients (2^53). */
    static Map<String, Object> view(PoolRecord p, List<Map<String, Object>> health) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("servers", p.servers());
        m.put("policy", p.policy());
        m.put("healthPath", p.healthPath());
        m.put("revision", Long.toString(p.revision()));
        m.put("health", health);
        return m;
    }

    static Map<String, Object> view(RouteRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", r.host());
        m.put("pool", r.pool());
        m.put("revision", Long.toString(r.revision()));
        return m;
    }

    static Map<String, Object> view(TenantRecord t, List<String> verified, List<String> pending) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("displayName", t.displayName());
        m.put("domains", verified);
        m.put("pendingDomains", pending);
        m.put("createdAt", Instant.ofEpochMilli(t.createdAt()).toString());
        return m;
    }

    static Map<String, Object> view(TokenRecord t, Instant lastUsedAt) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("scope", t.scope());
        m.put("description", t.description());
        m.put("createdAt", Instant.ofEpochMilli(t.createdAt()).toString());
        m.put("expiresAt", time(t.expiresAt()));
        m.put("lastUsedAt", lastUsedAt == null ? null : lastUsedAt.toString());
        m.put("revoked", t.revoked());
        return m;
    }

    /** A domain claim as the API shows it, with the DNS records the tenant must create. */
    static Map<String, Object> view(DomainRecord d, String target, long pendingTtlMillis) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("tenant", d.tenant());
        m.put("status", d.status());
        m.put("verifiedBy", d.method());
        m.put("reason", d.reason());
        List<Map<String, Object>> records = new ArrayList<>();
        records.add(record("TXT", d.txtName(), d.txtValue()));
        if (target != null && !d.wildcard()) {
            records.add(record(target.matches("\\d{1,3}(\\.\\d{1,3}){3}") ? "A" : "CNAME", d.name(), target));
        }
        m.put("records", records);
        m.put("seen", d.seen());
        m.put("attempts", d.attempts());
        m.put("lastCheckAt", time(d.lastCheckAt()));
        m.put("nextCheckAt", DomainRecord.PENDING.equals(d.status()) ? time(d.nextCheckAt()) : null);
        m.put("expiresAt", d.verified() ? null : time(d.createdAt() + pendingTtlMillis));
        m.put("verifiedAt", time(d.verifiedAt()));
        m.put("createdAt", time(d.createdAt()));
        m.put("revision", Long.toString(d.revision()));
        return m;
    }

    private static Map<String, Object> record(String type, String name, String value) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", type);
        r.put("name", name);
        r.put("value", value);
        return r;
    }
}
