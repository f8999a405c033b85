package dev.gatehouse.appliance.console;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.cluster.store.RouteRecord;
import dev.gatehouse.cluster.store.TenantRecord;
import dev.gatehouse.cluster.store.TokenRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What leaves the node, as the console shows it: never keys, never token hashes. Response bodies
 * as records that Jackson writes field by field in component order, built from store records by
 * static factories, so the OpenAPI consistency test can hold each one's fields against its schema;
 * {@link LiveViews} passes in what only the services know (served names, last use, claim settings,
 * pool health). Revisions are 64-bit; as strings they survive JavaScript clients (2^53).
 */
final class ConsoleViews {

    /** A view with an id: the audit line names the object by it. */
    interface Identified {
        String id();
    }

    /** A view of a stored object: its revision is the answer's {@code ETag}. */
    interface Revisioned {
        String revision();
    }

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private ConsoleViews() {
    }

    private static String time(long millis) {
        return millis <= 0 ? null : Instant.ofEpochMilli(millis).toString();
    }

    /**
     * A certificate; {@code servedNames}: the names it is served for (covered by a verified claim of
     * its tenant); {@code notServedReason} only when some are not; {@code chainPem} only when asked.
     */
    record Certificate(String id, String tenant, List<String> names, List<String> servedNames,
            List<String> notServedNames, @JsonInclude(JsonInclude.Include.NON_NULL) String notServedReason,
            String issuer, String serial, String notBefore, String notAfter, String keyType, String sha256,
            String revision, boolean managed, String createdAt, String updatedAt, Map<String, Object> ocsp,
            @JsonInclude(JsonInclude.Include.NON_NULL) String chainPem) implements Identified, Revisioned {
    }

    /** @param ocsp the OCSP stapling state (null: stapling off) */
    static Certificate view(CertificateRecord c, boolean withChain, List<String> served, Map<String, Object> ocsp) {
        List<String> waiting = c.names().stream().filter(n -> !served.contains(n)).toList();
        String reason = waiting.isEmpty() ? null : "the tenant's claim on " + waiting + " is not verified yet; the "
                + "certificate is stored and will be served for those names once the claim is proven";
        return new Certificate(c.id(), c.tenant(), c.names(), served, waiting, reason, c.issuer(), c.serial(),
                Instant.ofEpochMilli(c.notBefore()).toString(), Instant.ofEpochMilli(c.notAfter()).toString(),
                c.keyType(), c.fingerprint(), Long.toString(c.revision()), c.managed(),
                Instant.ofEpochMilli(c.createdAt()).toString(), Instant.ofEpochMilli(c.updatedAt()).toString(),
                ocsp, withChain ? c.chainPem() : null);
    }

    /** A pool: the stored fields, then this node's health of each server. */
    record Pool(String name, List<String> servers, String policy, String healthPath, String proxyProtocol,
            String revision, List<Map<String, Object>> health) implements Revisioned {
    }

    static Pool view(PoolRecord p, List<Map<String, Object>> health) {
        return new Pool(p.name(), p.servers(), p.policy(), p.healthPath(),
                p.proxyProtocol() == null ? "off" : p.proxyProtocol(), Long.toString(p.revision()), health);
    }

    record Route(String host, String pool, String revision) implements Revisioned {
    }

    static Route view(RouteRecord r) {
        return new Route(r.host(), r.pool(), Long.toString(r.revision()));
    }

    /** A tenant: {@code domains} are its verified names, {@code pendingDomains} its unproven claims. */
    record Tenant(String id, String displayName, List<String> domains, List<String> pendingDomains, String createdAt)
            implements Identified {
    }

    static Tenant view(TenantRecord t, List<String> verified, List<String> pending) {
        return new Tenant(t.id(), t.displayName(), verified, pending, Instant.ofEpochMilli(t.createdAt()).toString());
    }

    /** The answer of the older claim alias: the tenant, and the claim it made. */
    record TenantClaim(@JsonUnwrapped Tenant tenant, Domain claim) implements Identified {
        @Override
        public String id() {
            return tenant.id();
        }
    }

    record Token(String id, String scope, String description, String createdAt, String expiresAt, String lastUsedAt,
            boolean revoked) implements Identified {
    }

    static Token view(TokenRecord t, Instant lastUsedAt) {
        return new Token(t.id(), t.scope(), t.description(), Instant.ofEpochMilli(t.createdAt()).toString(),
                time(t.expiresAt()), lastUsedAt == null ? null : lastUsedAt.toString(), t.revoked());
    }

    /** A new token: its record, and the token itself, shown this once and never stored in clear. */
    record IssuedToken(@JsonUnwrapped Token record, String token) implements Identified {
        @Override
        public String id() {
            return record.id();
        }
    }

    /** A DNS record the tenant must create. */
    record DnsRecord(String type, String name, String value) {
    }

    /** A domain claim as the API shows it, with the DNS records the tenant must create. */
    record Domain(String name, String tenant, String status, String verifiedBy, String reason, List<DnsRecord> records,
            List<String> seen, int attempts, String lastCheckAt, String nextCheckAt, String expiresAt,
            String verifiedAt, String createdAt, String revision) implements Revisioned {
    }

    static Domain view(DomainRecord d, String target, long pendingTtlMillis) {
        List<DnsRecord> records = new ArrayList<>();
        records.add(new DnsRecord("TXT", d.txtName(), d.txtValue()));
        if (target != null && !d.wildcard()) {
            records.add(new DnsRecord(IPV4.matcher(target).matches() ? "A" : "CNAME", d.name(), target));
        }
        return new Domain(d.name(), d.tenant(), d.status(), d.method(), d.reason(), List.copyOf(records), d.seen(),
                d.attempts(), time(d.lastCheckAt()), DomainRecord.PENDING.equals(d.status()) ? time(d.nextCheckAt()) : null,
                d.verified() ? null : time(d.createdAt() + pendingTtlMillis), time(d.verifiedAt()), time(d.createdAt()),
                Long.toString(d.revision()));
    }
}
