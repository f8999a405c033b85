package dev.gatehouse.appliance.tenants;

import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.core.ServiceContext;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.domains.DomainService;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.ManagedCertificateRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.TenantRecord;
import dev.gatehouse.cluster.store.TokenRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Tenants: creation, lookup and offboarding. A tenant's names are its domain claims
 * ({@link DomainService}); {@link TenantRecord#domains()} is no longer written (it is read once,
 * to migrate the claim lists of earlier releases).
 *
 * <p>Offboarding ({@link #delete}) refuses while the tenant still holds certificates, claims or
 * managed certificates, unless forced; forced, it removes them in that order, then revokes the
 * tenant's tokens and removes the tenant, auditing every step.
 */
public final class TenantService {

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TenantService.class);

    private final Store store;
    private final DomainService domains;
    private final TokenService tokens;
    private final AuditLog audit;
    private final Clock clock;

    public TenantService(ServiceContext context, DomainService domains, TokenService tokens) {
        this.store = context.store();
        this.domains = domains;
        this.tokens = tokens;
        this.audit = context.audit();
        this.clock = context.clock();
    }

    public synchronized TenantRecord create(Principal who, String id, String displayName)
            throws ServiceException, StoreException {
        who.requireAdmin();
        if (id == null || !ID.matcher(id).matches()) {
            throw ServiceException.invalid("invalid-field", "id", "id: '" + id
                    + "' (expected: 1-63 lower-case letters, digits or dashes, starting with a letter or digit)");
        }
        if (store.tenant(id).isPresent()) {
            throw ServiceException.conflict("tenant-exists", "id", "tenant '" + id + "' already exists");
        }
        TenantRecord t = new TenantRecord(id, displayName == null ? id : displayName, List.of(),
                store.nextRevision(), clock.millis());
        store.put(RecordKinds.TENANTS, t);
        return t;
    }

    public TenantRecord get(Principal who, String id) throws ServiceException {
        who.requireTenant(id);
        return store.tenant(id).orElseThrow(() -> ServiceException.notFound("tenant", id));
    }

    public List<TenantRecord> list(Principal who) {
        List<TenantRecord> out = new ArrayList<>();
        for (TenantRecord t : store.tenants()) {
            if (who.canSee(t.id())) {
                out.add(t);
            }
        }
        out.sort(Comparator.comparing(TenantRecord::id));
        return out;
    }

    /** What an offboarding removed. */
    public record Removed(List<String> certificates, List<String> managedCertificates, List<String> claims,
            List<String> tokens) {

        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("certificates", certificates);
            m.put("managedCertificates", managedCertificates);
            m.put("claims", claims);
            m.put("revokedTokens", tokens);
            return m;
        }
    }

    /**
     * Offboards tenant {@code id}: 409 {@code tenant-not-empty} while it holds certificates, claims or
     * managed certificates, unless {@code force}. Its tokens are revoked in any case.
     */
    public synchronized Removed delete(Principal who, String id, boolean force, String client)
            throws ServiceException, StoreException {
        who.requireAdmin();
        store.tenant(id).orElseThrow(() -> ServiceException.notFound("tenant", id));
        List<CertificateRecord> certificates = store.certificates().stream().filter(c -> c.tenant().equals(id))
                .sorted(Comparator.comparing(CertificateRecord::id)).toList();
        List<ManagedCertificateRecord> managed = store.records(RecordKinds.MANAGED).stream()
                .filter(m -> m.tenant().equals(id)).sorted(Comparator.comparing(ManagedCertificateRecord::name))
                .toList();
        List<DomainRecord> claims = domains.index().claimsOf(id);
        if (!force && (!certificates.isEmpty() || !managed.isEmpty() || !claims.isEmpty())) {
            throw new ServiceException(ServiceException.Kind.CONFLICT, "tenant-not-empty", null, "tenant '" + id
                    + "' still holds " + certificates.size() + " certificate(s), " + managed.size()
                    + " managed certificate(s) and " + claims.size() + " domain claim(s); remove them first, or "
                    + "delete with ?force=true to remove them all", null,
                    Map.of("certificates", certificates.size(), "managedCertificates", managed.size(),
                            "claims", claims.size()));
        }
        List<String> gone = new ArrayList<>();
        List<String> goneManaged = new ArrayList<>();
        for (ManagedCertificateRecord m : managed) {
            store.remove(RecordKinds.MANAGED, m.name());
            goneManaged.add(m.name());
            audit.record(who, "certificate.unmanage", "managed-certificates/" + m.name(), "ok (tenant offboarded)",
                    client);
        }
        for (CertificateRecord c : store.certificates()) {
            if (c.tenant().equals(id) && store.remove(RecordKinds.CERTIFICATES, c.id())) {
                gone.add(c.id());
                audit.record(who, "certificate.delete", "certificates/" + c.id(), "ok (tenant offboarded)", client);
            }
        }
        List<String> goneClaims = new ArrayList<>();
        for (DomainRecord d : domains.removeAll(id)) {
            goneClaims.add(d.name());
            audit.record(who, "domain.delete", "domains/" + d.name(), "ok (tenant offboarded)", client);
        }
        List<String> revoked = new ArrayList<>();
        for (TokenRecord t : store.records(RecordKinds.TOKENS)) {
            if (t.scope().equals(Principal.TENANT_PREFIX + id) && tokens.revoke(t.id())) {
                revoked.add(t.id());
                audit.record(who, "token.revoke", "tokens/" + t.id(), "ok (tenant offboarded)", client);
            }
        }
        store.remove(RecordKinds.TENANTS, id);
        return new Removed(gone, goneManaged, goneClaims, revoked);
    }

    /**
     * What {@code /v1/status} shows a tenant token: its own certificates, claims and managed
     * certificates only; nothing of the cluster (addresses, VIPs, members) or of other tenants.
     */
    public Map<String, Object> status(String tenantId, java.time.Duration expiryWarning) {
        long now = clock.millis();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", tenantId);
        int served = 0;
        List<Map<String, Object>> expiring = new ArrayList<>();
        List<CertificateRecord> own = store.certificates().stream().filter(c -> c.tenant().equals(tenantId))
                .sorted(Comparator.comparing(CertificateRecord::notAfter)).toList();
        for (CertificateRecord c : own) {
            if (!dev.gatehouse.appliance.certs.CertificateService.servedNames(domains.index(), tenantId, c.names())
                    .isEmpty()) {
                served++;
            }
            if (c.notAfter() - now < expiryWarning.toMillis()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("id", c.id());
                e.put("names", c.names());
                e.put("notAfter", java.time.Instant.ofEpochMilli(c.notAfter()).toString());
                e.put("expired", c.notAfter() < now);
                expiring.add(e);
            }
        }
        Map<String, Object> certs = new LinkedHashMap<>();
        certs.put("stored", own.size());
        certs.put("served", served);
        certs.put("expiring", Map.of("threshold", expiryWarning.toString(), "count", expiring.size(),
                "certificates", expiring.stream().limit(20).toList()));
        m.put("certificates", certs);
        Map<String, List<String>> claims = new java.util.TreeMap<>();
        for (DomainRecord d : domains.index().claimsOf(tenantId)) {
            claims.computeIfAbsent(d.status(), k -> new ArrayList<>()).add(d.name());
        }
        claims.values().forEach(l -> l.sort(null));
        m.put("domains", claims);
        Map<String, Long> managed = new java.util.TreeMap<>();
        for (ManagedCertificateRecord r : store.records(RecordKinds.MANAGED)) {
            if (r.tenant().equals(tenantId)) {
                managed.merge(r.state(), 1L, Long::sum);
            }
        }
        m.put("managedCertificates", managed);
        return m;
    }

    /**
     * Claims of earlier releases (the tenant's claim list, written without proof) become claim
     * objects, verified as {@code migrated}, once; returns how many were migrated. A name already
     * proven by another tenant is left out and logged.
     */
    public synchronized int migrateClaimLists() throws StoreException {
        int migrated = 0;
        for (TenantRecord t : store.tenants()) {
            if (t.domains().isEmpty()) {
                continue;
            }
            for (String name : t.domains()) {
                try {
                    domains.migrate(t.id(), name);
                    migrated++;
                } catch (ServiceException e) {
                    log.warn("event=claim_migration_skipped tenant={} name={} reason={}", t.id(), name, e.getMessage());
                }
            }
            store.put(RecordKinds.TENANTS, t.withDomains(List.of(), store.nextRevision()));
        }
        return migrated;
    }
}
