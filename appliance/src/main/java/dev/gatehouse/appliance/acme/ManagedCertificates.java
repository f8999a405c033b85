package dev.gatehouse.appliance.acme;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.core.ServiceContext;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.domains.DomainNames;
import dev.gatehouse.appliance.domains.DomainService;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.ManagedCertificateRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.CertificateParseException;
import dev.gatehouse.tls.cert.PemBundleParser;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates Gatehouse obtains by ACME for verified names: requests and status for the API, and
 * the scheduler's work (first issuance, renewal when {@link RenewalTime} says: inside the CA's
 * suggested window, else at two thirds of the lifetime or {@code acme.renewBefore}, retries with exponential backoff that honours the CA's Retry-After).
 * A failed first issuance gives up after {@code acme.orderAttempts} (status {@code failed}; a new
 * request starts over); a failing renewal keeps retrying while the current certificate is served.
 * Nothing is served until a complete chain and its key have passed the upload checks.
 */
public final class ManagedCertificates {

    private static final Logger log = LoggerFactory.getLogger(ManagedCertificates.class);

    private final Store store;
    private final DomainService domains;
    private final CertificateService certificates;
    private final AcmeIssuer issuer;
    private final GatehouseConfig.Acme config;
    private final String node;
    private final Clock clock;
    // what this node's scheduler did since it started (written on the scheduler thread)
    private final java.util.concurrent.atomic.AtomicLong issuedCount = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong renewedCount = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong failedCount = new java.util.concurrent.atomic.AtomicLong();

    private volatile dev.gatehouse.appliance.events.EventSink events = dev.gatehouse.appliance.events.EventSink.NONE;

    /** Where issuances, renewals and failures are reported (set once at boot; only the lease holder runs orders). */
    public void events(dev.gatehouse.appliance.events.EventSink sink) {
        this.events = sink;
    }

    /** @param context that of {@code domains} and {@code certificates}: the names and uploads it works with */
    public ManagedCertificates(ServiceContext context, DomainService domains, CertificateService certificates,
            GatehouseConfig.Acme config, String node, boolean clustered) {
        this.store = context.store();
        this.domains = domains;
        this.certificates = certificates;
        this.config = config;
        this.node = node;
        this.clock = context.clock();
        this.issuer = new AcmeIssuer(store, config, clock, clustered);
    }

    // ---- API ------------------------------------------------------------------------------

    /** Asks for a certificate for a verified name; a failed one starts over, others are returned as they are. */
    public synchronized ManagedCertificateRecord request(Principal who, String rawName)
            throws ServiceException, StoreException {
        DomainRecord d = domains.get(who, rawName);
        DomainNames.issuable(d.name(), config.dns01() != null);
        if (!DomainRecord.VERIFIED.equals(d.status())) {
            throw ServiceException.conflict("domain-not-verified", "name", "domain '" + d.name() + "' is " + d.status()
                    + (d.reason() == null ? "" : " (" + d.reason() + ")") + "; a certificate is issued only for a "
                    + "verified name");
        }
        long now = clock.millis();
        ManagedCertificateRecord m = store.record(RecordKinds.MANAGED, d.name()).orElse(null);
        if (m != null && !ManagedCertificateRecord.FAILED.equals(m.state())) {
            return m;
        }
        for (CertificateRecord c : store.certificates()) {
            if (!c.managed() && c.names().contains(d.name()) && c.tenant().equals(d.tenant())) {
                log.info("event=acme_request_over_upload name={} uploaded={}", d.name(), c.id());
            }
        }
        ManagedCertificateRecord next = m != null
                ? m.with(ManagedCertificateRecord.PENDING, null, null, 0, now, 0, m.lastError(), store.nextRevision())
                : new ManagedCertificateRecord(d.name(), d.tenant(), CertificateService.newCertificateId(),
                        ManagedCertificateRecord.PENDING, null, null, 0, now, 0, 0, null, null, 0, 0, now,
                        store.nextRevision());
        store.put(RecordKinds.MANAGED, next);
        log.info("event=acme_requested name={} tenant={} certificate={}", next.name(), next.tenant(),
                next.certificateId());
        return next;
    }

    /** An on-demand request from a handshake (scheduler thread): only for a verified name with no record yet. */
    synchronized void requestOnDemand(String name) throws StoreException {
        DomainRecord d = domains.index().verified(name).orElse(null);
        if (d == null || store.record(RecordKinds.MANAGED, name).isPresent()) {
            return;
        }
        long now = clock.millis();
        ManagedCertificateRecord next = new ManagedCertificateRecord(d.name(), d.tenant(),
                CertificateService.newCertificateId(), ManagedCertificateRecord.PENDING, null, null, 0, now, 0, 0, null,
                null, 0, 0, now, store.nextRevision());
        store.put(RecordKinds.MANAGED, next);
        log.info("event=acme_requested name={} tenant={} certificate={} on_demand=true", next.name(), next.tenant(),
                next.certificateId());
    }

    public ManagedCertificateRecord get(Principal who, String rawName) throws ServiceException {
        DomainRecord d = domains.get(who, rawName);
        return store.record(RecordKinds.MANAGED, d.name()).orElseThrow(() -> ServiceException.notFound("managed certificate",
                d.name()));
    }

    public List<ManagedCertificateRecord> list(Principal who) {
        List<ManagedCertificateRecord> out = new ArrayList<>();
        for (ManagedCertificateRecord m : store.records(RecordKinds.MANAGED)) {
            if (who.canSee(m.tenant())) {
                out.add(m);
            }
        }
        out.sort(Comparator.comparing(ManagedCertificateRecord::name));
        return out;
    }

    /** Stops managing a name: the record and its certificate are removed (an order in flight is abandoned). */
    public synchronized void stop(Principal who, String rawName) throws ServiceException, StoreException {
        ManagedCertificateRecord m = get(who, rawName);
        store.remove(RecordKinds.MANAGED, m.name());
        certificates.removeManaged(m.certificateId());
        log.info("event=acme_stopped name={} certificate={}", m.name(), m.certificateId());
    }

    // ---- scheduler ------------------------------------------------------------------------

    /** Whether {@code m} has work due now. */
    boolean due(ManagedCertificateRecord m, long now) {
        return switch (m.state()) {
            case ManagedCertificateRecord.PENDING, ManagedCertificateRecord.ORDERING,
                    ManagedCertificateRecord.RETRYING -> m.nextAttemptAt() <= now;
            case ManagedCertificateRecord.ISSUED -> m.nextRenewalAt() > 0 && m.nextRenewalAt() <= now;
            default -> false;
        };
    }

    /** Runs every order that is due, one after the other (scheduler thread, lease held). */
    int runDue(LeaseGuard guard) throws InterruptedException, LeaseGuard.LeaseLostException {
        int ran = 0;
        long now = clock.millis();
        for (ManagedCertificateRecord m : store.records(RecordKinds.MANAGED)) {
            if (!due(m, now)) {
                continue;
            }
            guard.check();
            ran++;
            try {
                process(m, guard);
            } catch (StoreException | RuntimeException e) {
                log.error("event=acme_order_error name={} cause={}", m.name(), e.toString(), e);
            }
        }
        return ran;
    }

    private void process(ManagedCertificateRecord m, LeaseGuard guard) throws StoreException, InterruptedException,
            LeaseGuard.LeaseLostException {
        boolean renewal = ManagedCertificateRecord.ISSUED.equals(m.state());
        log.info("event=acme_order_start name={} renewal={} attempt={} resume={}", m.name(), renewal, m.attempts() + 1,
                m.orderUrl() != null);
        Instant retryAfter = null;
        String error;
        boolean orderDead = false;
        try {
            AcmeIssuer.Issued issued = issuer.run(m, guard);
            guard.check();
            issuer.caSucceeded();
            store(m, issued, renewal);
            (renewal ? renewedCount : issuedCount).incrementAndGet();
            return;
        } catch (AcmeRateLimitedException e) {
            retryAfter = e.getRetryAfter().orElse(null);
            error = "rate limited by the CA: " + e.getMessage() + (retryAfter == null ? "" : " (retry after "
                    + retryAfter + ")");
            issuer.caFailed(error);
        } catch (AcmeServerException e) {
            error = "the CA refused: " + e.getMessage() + " (" + e.getType() + ")";
            if (String.valueOf(e.getType()).endsWith(":accountDoesNotExist")) {
                issuer.forgetAccount();
                orderDead = true; // orders belong to the forgotten account
            }
            issuer.caFailed(error);
        } catch (AcmeNetworkException e) {
            error = "CA unreachable at " + issuer.directory() + ": " + rootCause(e);
            issuer.caFailed(error);
        } catch (AcmeException e) {
            error = "ACME error: " + e.getMessage() + (e.getCause() == null ? "" : " (" + rootCause(e) + ")");
            retryAfter = retryAfterOf(e);
            issuer.caFailed(error);
        } catch (IssueException e) {
            error = e.getMessage();
            orderDead = e.orderDead();
        } catch (ServiceException e) {
            error = "the issued certificate was refused: " + e.getMessage();
            orderDead = true;
        }
        failedCount.incrementAndGet();
        fail(m, error, retryAfter, orderDead);
    }

    /** First issuances this node completed. */
    public long issuedCount() {
        return issuedCount.get();
    }

    /** Renewals this node completed. */
    public long renewedCount() {
        return renewedCount.get();
    }

    /** Order attempts that failed on this node (each is retried or ends in {@code failed}). */
    public long failedCount() {
        return failedCount.get();
    }

    private static Instant retryAfterOf(AcmeException e) {
        return e instanceof org.shredzone.acme4j.exception.AcmeRetryAfterException r ? r.getRetryAfter() : null;
    }

    /** The causes below an exception, as {@code Class: message <- Class} (what failed, down to the socket). */
    private static String rootCause(Throwable e) {
        StringBuilder sb = new StringBuilder();
        Throwable t = e.getCause();
        for (int i = 0; i < 5 && t != null; i++, t = t.getCause()) {
            sb.append(i == 0 ? "" : " <- ").append(t.getClass().getSimpleName());
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                sb.append(": ").append(t.getMessage());
            }
        }
        return sb.length() == 0 ? e.getClass().getSimpleName() : sb.toString();
    }

    private void store(ManagedCertificateRecord m, AcmeIssuer.Issued issued, boolean renewal)
            throws ServiceException, StoreException {
        ManagedCertificateRecord current = store.record(RecordKinds.MANAGED, m.name()).orElse(null);
        if (current == null) {
            log.info("event=acme_order_discarded name={} reason=management stopped meanwhile", m.name());
            return;
        }
        CertificateBundle bundle;
        try {
            bundle = PemBundleParser.fromJca(current.certificateId(), issued.chain(), issued.key().getPrivate(),
                    clock.instant());
        } catch (CertificateParseException e) {
            throw new ServiceException(ServiceException.Kind.INVALID, "certificate-" + e.reason().name().toLowerCase(), "Certificate refused",
                    e.reason().summary() + (e.detail().isEmpty() ? "" : ": " + e.detail()), null);
        }
        CertificateRecord c = certificates.putManaged(current.tenant(), current.certificateId(), bundle);
        RenewalTime.Decision renew = RenewalTime.decide(c.notBefore(), c.notAfter(), config.renewBefore(),
                issued.window(), clock.millis(), java.util.concurrent.ThreadLocalRandom.current());
        long renewAt = renew.at();
        store.put(RecordKinds.MANAGED, current.issued(node, clock.millis(), c.notAfter(), renewAt, store.nextRevision()));
        java.util.Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("name", m.name());
        data.put("certificate", c.id());
        data.put("serial", c.serial());
        data.put("notAfter", Instant.ofEpochMilli(c.notAfter()).toString());
        data.put("nextRenewalAt", Instant.ofEpochMilli(renewAt).toString());
        events.emit(renewal ? dev.gatehouse.appliance.events.EventTypes.ACME_RENEWED
                : dev.gatehouse.appliance.events.EventTypes.ACME_ISSUED, current.tenant(), m.name(), data);
        log.info("event=acme_issued name={} certificate={} serial={} not_after={} next_renewal={} renewal_rule={} "
                + "directory={} node={}", m.name(), c.id(), c.serial(), Instant.ofEpochMilli(c.notAfter()),
                Instant.ofEpochMilli(renewAt), renew.rule(), issuer.directory(), node);
    }

    /** The lifetime rule of {@link RenewalTime} (no renewal window from the CA). */
    static long renewAt(long notBefore, long notAfter, Duration before) {
        return RenewalTime.lifetimeRule(notBefore, notAfter, before);
    }

    /**
     * When to try again after the {@code attempts}th failure: {@code first × 2^(attempts-1)} capped at
     * {@code max}, and never before the CA's Retry-After.
     */
    static long nextAttempt(long now, int attempts, Instant retryAfter, Duration first, Duration max) {
        long next = now + DomainService.backoff(first, max, attempts - 1).toMillis();
        return retryAfter != null && retryAfter.toEpochMilli() > next ? retryAfter.toEpochMilli() : next;
    }

    private void fail(ManagedCertificateRecord m, String error, Instant retryAfter, boolean orderDead)
            throws StoreException {
        ManagedCertificateRecord current = store.record(RecordKinds.MANAGED, m.name()).orElse(null);
        if (current == null) {
            return;
        }
        long now = clock.millis();
        int attempts = current.attempts() + 1;
        boolean serving = current.notAfter() > now;
        long next = nextAttempt(now, attempts, retryAfter, config.orderRetry(), config.orderRetryMax());
        String state = !serving && attempts >= config.orderAttempts() ? ManagedCertificateRecord.FAILED
                : ManagedCertificateRecord.RETRYING;
        long rev = store.nextRevision();
        ManagedCertificateRecord updated = current.with(state, orderDead ? null : current.orderUrl(),
                orderDead ? null : current.orderKey(), orderDead ? 0 : current.orderKeyRevision(),
                ManagedCertificateRecord.FAILED.equals(state) ? 0 : next, attempts, error, rev);
        store.put(RecordKinds.MANAGED, updated);
        java.util.Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("name", m.name());
        data.put("state", state);
        data.put("attempt", attempts);
        data.put("error", error);
        data.put("serving", serving);
        data.put("nextAttemptAt", ManagedCertificateRecord.FAILED.equals(state) ? null
                : Instant.ofEpochMilli(next).toString());
        events.emit(dev.gatehouse.appliance.events.EventTypes.ACME_FAILED, current.tenant(), m.name(), data);
        log.warn("event=acme_order_failed name={} state={} attempt={} next_attempt={} serving={} error={}", m.name(),
                state, attempts, ManagedCertificateRecord.FAILED.equals(state) ? "none" : Instant.ofEpochMilli(next),
                serving, error);
    }

    /** Challenge responses whose order is long over (a node died before cleaning up). */
    void removeExpiredChallenges() {
        long now = clock.millis();
        store.records(RecordKinds.CHALLENGES).stream().filter(c -> c.expiresAt() > 0 && c.expiresAt() < now).forEach(c -> {
            try {
                store.remove(RecordKinds.CHALLENGES, c.token());
            } catch (StoreException e) {
                log.warn("event=challenge_cleanup_failed token={} cause={}", c.token(), e.toString());
            }
        });
    }
}
