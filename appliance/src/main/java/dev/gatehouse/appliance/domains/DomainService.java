package dev.gatehouse.appliance.domains;

import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceContext;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.tls.sni.Hostnames;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Domain claims: the one way a tenant gets a name. A claim made with a tenant token is
 * {@code pending} until the tenant proves control in DNS: the TXT record at
 * {@code <txtLabel>.<name>} (for {@code *.example.com}: at {@code <txtLabel>.example.com}) holds
 * the claim's random value and, when {@code acme.target} is set, an exact name points at it. Then
 * it is {@code verified}; after {@code dnsAttempts} failed checks, {@code failed} (re-checked on
 * request). An admin may assign a name verified by fiat (audited as such).
 *
 * <p>Rules that keep tenants apart:
 * <ul>
 *   <li>Only a verified claim blocks other tenants (the same name, a wildcard over it, or a name
 *       under a wildcard). A pending or failed claim blocks nobody: several tenants may hold one on
 *       the same name; the first to prove it gets it and the others' overlapping claims are dropped
 *       (audited).</li>
 *   <li>A pending or failed claim not proven within {@code claims.pendingTtl} of its creation is
 *       dropped.</li>
 *   <li>The name being pointed at {@code acme.target} alone never proves anything: every tenant's
 *       names point there, so it would let any tenant take another's name.</li>
 * </ul>
 * Writes are serialized on this object so two proofs cannot both win on one node; across nodes
 * the DNS checks run on the one node holding the scheduler lease.
 */
public final class DomainService {

    private static final Logger log = LoggerFactory.getLogger(DomainService.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the service needs of the configuration. */
    public record Settings(String txtLabel, String target, Duration dnsRetry, Duration dnsRetryMax, int dnsAttempts,
            Duration pendingTtl) {
    }

    private final Store store;
    private final ClaimIndex index;
    private final AuditLog audit;
    private final Settings settings;
    private final DnsChecker checker;
    private final Clock clock;
    private volatile dev.gatehouse.appliance.events.EventSink events = dev.gatehouse.appliance.events.EventSink.NONE;

    public DomainService(ServiceContext context, ClaimIndex index, Settings settings, DnsChecker checker) {
        this.store = context.store();
        this.index = index;
        this.audit = context.audit();
        this.settings = settings;
        this.checker = checker;
        this.clock = context.clock();
    }

    /** Where verifications and failures are reported (set once at boot). */
    public void events(dev.gatehouse.appliance.events.EventSink sink) {
        this.events = sink;
    }

    private void emit(String type, DomainRecord d, String reason) {
        java.util.Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("name", d.name());
        data.put("status", d.status());
        data.put("method", d.method());
        data.put("reason", reason);
        events.emit(type, d.tenant(), d.name(), data);
    }

    public Settings settings() {
        return settings;
    }

    public ClaimIndex index() {
        return index;
    }

    /** A claim, and whether this call created it. */
    public record Claimed(DomainRecord domain, boolean created) {
    }

    /**
     * Claims {@code rawName} for {@code tenant} (a tenant token's own when null); idempotent for the
     * same tenant. {@code fiat}: an admin assigns the name verified, without a DNS proof.
     */
    public synchronized Claimed claim(Principal who, String tenant, String rawName, boolean fiat)
            throws ServiceException, StoreException {
        String tenantId = tenant != null ? tenant : who.tenant();
        if (tenantId == null) {
            throw ServiceException.invalid("invalid-field", "tenant", "tenant: missing (expected: a tenant id; "
                    + "an admin token must name the tenant)");
        }
        who.requireTenant(tenantId);
        if (fiat) {
            who.requireAdmin();
        }
        store.tenant(tenantId).orElseThrow(() -> ServiceException.notFound("tenant", tenantId));
        String name = DomainNames.claimable(rawName);
        List<DomainRecord> held = index.verifiedOverlaps(name, tenantId);
        if (!held.isEmpty()) {
            throw ServiceException.conflict("name-claimed", "name", who.admin()
                    ? "name '" + name + "' overlaps the verified claim '" + held.get(0).name() + "' of tenant '"
                            + held.get(0).tenant() + "' (release or transfer it first)"
                    : "name '" + name + "' is claimed by another tenant");
        }
        Optional<DomainRecord> existing = store.record(RecordKinds.DOMAINS, DomainRecord.key(name, tenantId));
        if (existing.isPresent() && (!fiat || existing.get().verified())) {
            return new Claimed(existing.get(), false);
        }
        long now = clock.millis();
        DomainRecord d = existing.orElseGet(() -> fresh(name, tenantId, now));
        if (fiat) {
            d = d.verifiedBy(DomainRecord.BY_ADMIN, now, store.nextRevision());
        }
        store.put(RecordKinds.DOMAINS, d);
        if (fiat) {
            emit(dev.gatehouse.appliance.events.EventTypes.DOMAIN_VERIFIED, d, null);
            dropOthers(d, "assigned by an admin");
            audit.record(who, "domain.assign", "domains/" + name, "verified by admin (no DNS proof)", null);
        }
        log.info("event=domain_claimed name={} tenant={} status={} txt={}", name, tenantId, d.status(), d.txtName());
        return new Claimed(d, existing.isEmpty());
    }

    /** A claim from an earlier release's claim list, verified as {@code migrated} (see TenantService). */
    public synchronized void migrate(String tenantId, String pattern) throws ServiceException, StoreException {
        String name = DomainNames.claimable(pattern);
        if (!index.verifiedOverlaps(name, tenantId).isEmpty()) {
            throw ServiceException.conflict("name-claimed", "name", "name '" + name + "' is proven by another tenant");
        }
        Optional<DomainRecord> existing = store.record(RecordKinds.DOMAINS, DomainRecord.key(name, tenantId));
        if (existing.isPresent() && existing.get().verified()) {
            return;
        }
        long now = clock.millis();
        store.put(RecordKinds.DOMAINS, existing.orElseGet(() -> fresh(name, tenantId, now))
                .verifiedBy(DomainRecord.BY_MIGRATION, now, store.nextRevision()));
        log.warn("event=claim_migrated tenant={} name={} detail=verified without proof (claimed before claims were "
                + "proven); review with GET /v1/domains", tenantId, name);
    }

    private DomainRecord fresh(String name, String tenantId, long now) {
        byte[] token = new byte[24];
        RANDOM.nextBytes(token);
        String txtOwner = Hostnames.isWildcard(name) ? name.substring(2) : name;
        return new DomainRecord(name, tenantId, settings.txtLabel() + "." + txtOwner,
                Base64.getUrlEncoder().withoutPadding().encodeToString(token), DomainRecord.PENDING,
                "not checked yet", List.of(), 0, 0, now, now, 0, store.nextRevision(), null);
    }

    /**
     * The claim on {@code rawName} the caller means: a tenant token's own; for an admin, that of
     * {@code tenant} when given, else the verified one, else the newest.
     */
    public DomainRecord get(Principal who, String rawName, String tenant) throws ServiceException {
        String name = rawName == null ? null : Hostnames.normalizePattern(rawName);
        if (name == null) {
            throw ServiceException.notFound("domain", rawName);
        }
        String owner = tenant != null ? tenant : who.admin() ? null : who.tenant();
        if (owner != null) {
            who.requireTenant(owner);
            return store.record(RecordKinds.DOMAINS, DomainRecord.key(name, owner)).orElseThrow(() -> ServiceException.notFound("domain",
                    rawName));
        }
        List<DomainRecord> all = new ArrayList<>(index.claimsOn(name));
        if (all.isEmpty()) {
            throw ServiceException.notFound("domain", rawName);
        }
        all.sort(Comparator.comparing(DomainRecord::verified).thenComparing(DomainRecord::createdAt).reversed());
        return all.get(0);
    }

    public DomainRecord get(Principal who, String rawName) throws ServiceException {
        return get(who, rawName, null);
    }

    public List<DomainRecord> list(Principal who) {
        List<DomainRecord> out = new ArrayList<>();
        for (DomainRecord d : who.admin() ? store.records(RecordKinds.DOMAINS) : index.claimsOf(who.tenant())) {
            if (who.canSee(d.tenant())) {
                out.add(d);
            }
        }
        out.sort(Comparator.comparing(DomainRecord::name).thenComparing(DomainRecord::tenant));
        return out;
    }

    /** Back to pending, checked at the next tick (after the tenant fixed its records). */
    public synchronized DomainRecord recheck(Principal who, String name, String tenant)
            throws ServiceException, StoreException {
        DomainRecord d = get(who, name, tenant);
        if (d.verified()) {
            return d;
        }
        DomainRecord next = d.recheck(clock.millis(), store.nextRevision());
        store.put(RecordKinds.DOMAINS, next);
        return next;
    }

    /** Releases a claim (the caller's, or for an admin the one {@link #get} picks). */
    public synchronized DomainRecord delete(Principal who, String name, String tenant)
            throws ServiceException, StoreException {
        DomainRecord d = get(who, name, tenant);
        if (d.verified() && store.record(RecordKinds.MANAGED, d.name()).isPresent()
                && store.record(RecordKinds.MANAGED, d.name()).get().tenant().equals(d.tenant())) {
            throw ServiceException.conflict("certificate-managed", "name", "a managed certificate exists for '"
                    + d.name() + "'; stop it first with DELETE /v1/domains/" + d.name() + "/certificate");
        }
        if (d.verified()) {
            List<String> rest = new ArrayList<>();
            for (DomainRecord other : index.claimsOf(d.tenant())) {
                if (other.verified() && !other.key().equals(d.key())) {
                    rest.add(other.name());
                }
            }
            for (CertificateRecord c : store.certificates()) {
                if (!c.tenant().equals(d.tenant()) || c.managed()) {
                    continue;
                }
                for (String n : c.names()) {
                    if (ClaimIndex.covers(d.name(), n) && !ClaimIndex.coveredByAny(rest, n)) {
                        throw ServiceException.conflict("claim-in-use", "name", "certificate " + c.id() + " serves '"
                                + n + "' under this claim; delete or replace it first");
                    }
                }
            }
        }
        store.remove(RecordKinds.DOMAINS, d.key());
        log.info("event=domain_released name={} tenant={} status={}", d.name(), d.tenant(), d.status());
        return d;
    }

    /** Removes every claim of {@code tenant} (offboarding); returns them. */
    public synchronized List<DomainRecord> removeAll(String tenant) throws StoreException {
        List<DomainRecord> gone = new ArrayList<>(index.claimsOf(tenant));
        for (DomainRecord d : gone) {
            store.remove(RecordKinds.DOMAINS, d.key());
        }
        return gone;
    }

    /** Runs the checks that are due and drops expired claims (scheduler thread); returns how many checks ran. */
    public int runDueChecks() {
        int ran = 0;
        long now = clock.millis();
        for (DomainRecord d : store.records(RecordKinds.DOMAINS)) {
            if (d.verified()) {
                continue;
            }
            try {
                if (now - d.createdAt() >= settings.pendingTtl().toMillis()) {
                    expire(d);
                    continue;
                }
                if (!DomainRecord.PENDING.equals(d.status()) || d.nextCheckAt() > now) {
                    continue;
                }
                ran++;
                check(d);
            } catch (StoreException | RuntimeException e) {
                log.warn("event=domain_check_failed name={} tenant={} cause={}", d.name(), d.tenant(), e.toString());
            }
        }
        return ran;
    }

    private synchronized void expire(DomainRecord seen) throws StoreException {
        DomainRecord d = store.record(RecordKinds.DOMAINS, seen.key()).orElse(null);
        if (d == null || d.verified() || d.revision() != seen.revision()) {
            return;
        }
        store.remove(RecordKinds.DOMAINS, d.key());
        emit(dev.gatehouse.appliance.events.EventTypes.DOMAIN_FAILED, d, "expired: not proven within "
                + settings.pendingTtl());
        audit.record(null, "domain.expire", "domains/" + d.name(), "dropped: " + d.status() + " claim of tenant "
                + d.tenant() + " not proven within " + settings.pendingTtl(), null);
        log.info("event=domain_claim_expired name={} tenant={} status={} ttl={}", d.name(), d.tenant(), d.status(),
                settings.pendingTtl());
    }

    /** Asks DNS without holding the lock (it can take seconds), then writes unless the claim changed meanwhile. */
    private void check(DomainRecord d) throws StoreException {
        // a wildcard has no single name to point at the target: its TXT record is the proof
        String pointed = d.wildcard() ? null : d.name();
        DnsChecker.Result r = checker.check(pointed, d.txtName(), d.txtValue());
        record(d, r);
    }

    private synchronized void record(DomainRecord seen, DnsChecker.Result r) throws StoreException {
        DomainRecord d = store.record(RecordKinds.DOMAINS, seen.key()).orElse(null);
        if (d == null || !DomainRecord.PENDING.equals(d.status()) || d.revision() != seen.revision()) {
            return; // deleted, re-checked or changed meanwhile: this result is stale
        }
        long now = clock.millis();
        DomainRecord next;
        if (r.passed()) {
            List<DomainRecord> held = index.verifiedOverlaps(d.name(), d.tenant());
            next = held.isEmpty()
                    ? d.checked(DomainRecord.VERIFIED, null, r.seen(), now, 0, store.nextRevision())
                    : d.checked(DomainRecord.FAILED, "name '" + d.name() + "' overlaps a name another tenant has "
                            + "already proven", r.seen(), now, 0, store.nextRevision());
        } else if (d.attempts() + 1 >= settings.dnsAttempts()) {
            next = d.checked(DomainRecord.FAILED, r.reason(), r.seen(), now, 0, store.nextRevision());
        } else {
            next = d.checked(DomainRecord.PENDING, r.reason(), r.seen(), now,
                    now + backoff(settings.dnsRetry(), settings.dnsRetryMax(), d.attempts()).toMillis(),
                    store.nextRevision());
        }
        store.put(RecordKinds.DOMAINS, next);
        if (next.verified()) {
            emit(dev.gatehouse.appliance.events.EventTypes.DOMAIN_VERIFIED, next, null);
        } else if (DomainRecord.FAILED.equals(next.status())) {
            emit(dev.gatehouse.appliance.events.EventTypes.DOMAIN_FAILED, next, next.reason());
        }
        if (next.verified()) {
            dropOthers(next, "proven in DNS by tenant " + next.tenant());
            audit.record(null, "domain.verify", "domains/" + next.name(), "verified by DNS for tenant "
                    + next.tenant(), null);
        }
        log.info("event=domain_checked name={} tenant={} status={} attempt={} reason={} seen={}", d.name(), d.tenant(),
                next.status(), next.attempts(), next.reason(), next.seen());
    }

    /** Drops the other tenants' unproven claims overlapping a claim that was just verified. */
    private void dropOthers(DomainRecord winner, String why) throws StoreException {
        for (DomainRecord other : index.overlapping(winner.name())) {
            if (other.tenant().equals(winner.tenant()) || other.verified()) {
                continue;
            }
            store.remove(RecordKinds.DOMAINS, other.key());
            // the event goes to the losing tenant: it says why, not who won (the audit log, admin only, does)
            emit(dev.gatehouse.appliance.events.EventTypes.DOMAIN_FAILED, other, "dropped: an overlapping name was "
                    + "verified for another tenant");
            audit.record(null, "domain.drop", "domains/" + other.name(), "dropped " + other.status()
                    + " claim of tenant " + other.tenant() + ": " + why, null);
            log.info("event=domain_claim_dropped name={} tenant={} winner={} reason={}", other.name(), other.tenant(),
                    winner.tenant(), why);
        }
    }

    /** {@code first × 2^n}, at most {@code max}. */
    public static Duration backoff(Duration first, Duration max, int n) {
        Duration d = first;
        for (int i = 0; i < n && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }
}
