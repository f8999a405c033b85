package dev.gatehouse.appliance.acme;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
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
 * Domain claims for ACME issuance and their DNS verification: a claim gets a random TXT value to
 * publish; the scheduler checks pending claims with exponential backoff until they pass
 * ({@code verified}: the name joins the tenant's claims) or run out of attempts ({@code failed},
 * with the reason and the records seen). A tenant token acts only for its own tenant. A failed
 * claim does not block the name: another tenant may claim it (and must prove it in turn).
 */
public final class DomainService {

    private static final Logger log = LoggerFactory.getLogger(DomainService.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Store store;
    private final TenantService tenants;
    private final GatehouseConfig.Acme config;
    private final DnsChecker checker;
    private final Clock clock;

    public DomainService(Store store, TenantService tenants, GatehouseConfig.Acme config, DnsChecker checker,
            Clock clock) {
        this.store = store;
        this.tenants = tenants;
        this.config = config;
        this.checker = checker;
        this.clock = clock;
    }

    public GatehouseConfig.Acme config() {
        return config;
    }

    /** Claims {@code rawName} for {@code tenant} (a tenant token's own when null); idempotent for the same tenant. */
    public synchronized Claimed claim(Principal who, String tenant, String rawName) throws ServiceException, StoreException {
        String tenantId = tenant != null ? tenant : who.tenant();
        if (tenantId == null) {
            throw ServiceException.invalid("invalid-field", "tenant", "tenant: missing (expected: a tenant id; "
                    + "an admin token must name the tenant)");
        }
        who.requireTenant(tenantId);
        store.tenant(tenantId).orElseThrow(() -> ServiceException.notFound("tenant", tenantId));
        String name = DomainNames.claimable(rawName);
        Optional<DomainRecord> existing = store.domain(name);
        if (existing.isPresent()) {
            if (existing.get().tenant().equals(tenantId)) {
                return new Claimed(existing.get(), false);
            }
            // a failed claim does not squat the name: another tenant that can prove it takes it over
            if (!DomainRecord.FAILED.equals(existing.get().status())) {
                throw ServiceException.conflict("name-claimed", "name", "name '" + name + "' is claimed by another tenant"
                        + (DomainRecord.PENDING.equals(existing.get().status()) ? " (verification pending)" : ""));
            }
            log.info("event=domain_claim_taken_over name={} from={} to={}", name, existing.get().tenant(), tenantId);
        }
        Optional<String> clash = tenants.claimedByOther(name, tenantId);
        if (clash.isPresent()) {
            throw ServiceException.conflict("name-claimed", "name", who.admin() ? "name '" + name + "' overlaps "
                    + clash.get() : "name '" + name + "' is claimed by another tenant");
        }
        byte[] token = new byte[24];
        RANDOM.nextBytes(token);
        long now = clock.millis();
        DomainRecord d = new DomainRecord(name, tenantId, config.txtLabel() + "." + name,
                Base64.getUrlEncoder().withoutPadding().encodeToString(token), DomainRecord.PENDING,
                "not checked yet", List.of(), 0, 0, now, now, 0, store.nextRevision());
        store.putDomain(d);
        log.info("event=domain_claimed name={} tenant={} txt={}", name, tenantId, d.txtName());
        return new Claimed(d, true);
    }

    /** A claim, and whether this call created it. */
    public record Claimed(DomainRecord domain, boolean created) {
    }

    public DomainRecord get(Principal who, String rawName) throws ServiceException {
        String name = rawName == null ? null : dev.gatehouse.tls.sni.Hostnames.normalize(rawName);
        DomainRecord d = name == null ? null : store.domain(name).orElse(null);
        if (d == null) {
            throw ServiceException.notFound("domain", rawName);
        }
        if (!who.canSee(d.tenant())) {
            throw ServiceException.forbidden("domain '" + d.name() + "' belongs to another tenant");
        }
        return d;
    }

    public List<DomainRecord> list(Principal who) {
        List<DomainRecord> out = new ArrayList<>();
        for (DomainRecord d : store.domains()) {
            if (who.canSee(d.tenant())) {
                out.add(d);
            }
        }
        out.sort(Comparator.comparing(DomainRecord::name));
        return out;
    }

    /** Back to pending, checked at the next tick (after the tenant fixed its records). */
    public synchronized DomainRecord recheck(Principal who, String name) throws ServiceException, StoreException {
        DomainRecord d = get(who, name);
        DomainRecord next = d.recheck(clock.millis(), store.nextRevision());
        store.putDomain(next);
        return next;
    }

    public synchronized void delete(Principal who, String name) throws ServiceException, StoreException {
        DomainRecord d = get(who, name);
        if (store.managedCertificate(d.name()).isPresent()) {
            throw ServiceException.conflict("certificate-managed", "name", "a managed certificate exists for '" + d.name()
                    + "'; stop it first with DELETE /v1/domains/" + d.name() + "/certificate");
        }
        store.removeDomain(d.name());
    }

    /** Runs the checks that are due (scheduler thread); returns how many ran. Bounded by the claims present. */
    public int runDueChecks() {
        int ran = 0;
        long now = clock.millis();
        for (DomainRecord d : store.domains()) {
            if (!DomainRecord.PENDING.equals(d.status()) || d.nextCheckAt() > now) {
                continue;
            }
            ran++;
            try {
                check(d);
            } catch (StoreException | RuntimeException e) {
                log.warn("event=domain_check_failed name={} cause={}", d.name(), e.toString());
            }
        }
        return ran;
    }

    /** Asks DNS without holding the lock (it can take seconds), then writes unless the claim changed meanwhile. */
    private void check(DomainRecord d) throws StoreException {
        DnsChecker.Result r = checker.check(d.name(), d.txtName(), d.txtValue());
        record(d, r);
    }

    private synchronized void record(DomainRecord seen, DnsChecker.Result r) throws StoreException {
        DomainRecord d = store.domain(seen.name()).orElse(null);
        if (d == null || !DomainRecord.PENDING.equals(d.status()) || d.revision() != seen.revision()) {
            return; // deleted, re-checked or changed meanwhile: this result is stale
        }
        long now = clock.millis();
        DomainRecord next;
        if (r.passed()) {
            String status = DomainRecord.VERIFIED;
            String reason = null;
            try {
                tenants.addVerifiedClaim(d.tenant(), d.name());
            } catch (ServiceException e) {
                status = DomainRecord.FAILED;
                reason = e.getMessage();
            }
            next = d.checked(status, reason, r.seen(), now, 0, store.nextRevision());
        } else if (d.attempts() + 1 >= config.dnsAttempts()) {
            next = d.checked(DomainRecord.FAILED, r.reason(), r.seen(), now, 0, store.nextRevision());
        } else {
            next = d.checked(DomainRecord.PENDING, r.reason(), r.seen(), now,
                    now + backoff(config.dnsRetry(), config.dnsRetryMax(), d.attempts()).toMillis(),
                    store.nextRevision());
        }
        store.putDomain(next);
        log.info("event=domain_checked name={} tenant={} status={} attempt={} reason={} seen={}", d.name(), d.tenant(),
                next.status(), next.attempts(), next.reason(), next.seen());
    }

    /** {@code first × 2^n}, at most {@code max}. */
    static Duration backoff(Duration first, Duration max, int n) {
        Duration d = first;
        for (int i = 0; i < n && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }
}
