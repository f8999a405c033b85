package dev.gatehouse.appliance.policy;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.core.ServiceContext;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.HostnamePolicyRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.tls.sni.Hostnames;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reads and writes hostname policies. An admin token may set any name's policy; a tenant token only
 * that of a name it holds a verified claim on, and only within the limits of {@code policy.tenants}
 * (a name it does not hold is "not found", as for every other object of another tenant). A write is
 * live on this node when it returns and on the others when the store's change event arrives.
 */
public final class PolicyService {

    private final Store store;
    private final GatehouseConfig.TenantPolicyLimits limits;
    private final Predicate<String> poolExists;
    private final Clock clock;
    private final Runnable changed;

    /**
     * @param poolExists whether a pool of that name exists (configuration file or API), for {@code origin.pool}
     * @param changed    run after every write (this node's engine picks the policy up at once)
     */
    public PolicyService(ServiceContext context, GatehouseConfig.TenantPolicyLimits limits,
            Predicate<String> poolExists, Runnable changed) {
        this.store = context.store();
        this.limits = limits;
        this.poolExists = poolExists;
        this.clock = context.clock();
        this.changed = changed;
    }

    /** The stored policy of {@code rawName}; not found when there is none or the caller may not see it. */
    public HostnamePolicyRecord get(Principal who, String rawName) throws ServiceException {
        String name = name(rawName);
        requireAccess(who, name);
        return mine(who, name).orElseThrow(() -> ServiceException.notFound("policy of", name));
    }

    /**
     * The name's policy as the caller may see it: a tenant does not see one written for another
     * tenant that held the name before (it no longer applies; the tenant's own PUT replaces it).
     */
    private Optional<HostnamePolicyRecord> mine(Principal who, String name) {
        return store.record(RecordKinds.HOSTNAME_POLICIES, name).filter(r -> who.admin() || who.tenant().equals(r.tenant()));
    }

    /** Replaces the policy of {@code rawName} with {@code policy} (checked already by {@link HostnamePolicy#parse}). */
    public synchronized HostnamePolicyRecord put(Principal who, String rawName, HostnamePolicy policy)
            throws ServiceException, StoreException {
        String name = name(rawName);
        String owner = requireAccess(who, name);
        if (policy.origin() != null && !poolExists.test(policy.origin().pool())) {
            throw HostnamePolicy.bad("origin.pool", "origin.pool: '" + policy.origin().pool()
                    + "' (expected: the name of a pool of the configuration file or of PUT /v1/pools/{name})");
        }
        if (!who.admin()) {
            withinTenantLimits(policy);
        }
        HostnamePolicyRecord r = new HostnamePolicyRecord(name, owner, policy.toJson().toString(), who.tokenId(),
                clock.millis(), store.nextRevision());
        store.put(RecordKinds.HOSTNAME_POLICIES, r);
        changed.run();
        return r;
    }

    public synchronized void delete(Principal who, String rawName) throws ServiceException, StoreException {
        String name = name(rawName);
        requireAccess(who, name);
        if (mine(who, name).isEmpty() || !store.remove(RecordKinds.HOSTNAME_POLICIES, name)) {
            throw ServiceException.notFound("policy of", name);
        }
        changed.run();
    }

    private void withinTenantLimits(HostnamePolicy p) throws ServiceException {
        if (p.rateLimit() != null) {
            if (p.rateLimit().requestsPerSecond() > limits.maxRequestsPerSecond()) {
                throw limit("rateLimit.requestsPerSecond", p.rateLimit().requestsPerSecond(),
                        "at most " + limits.maxRequestsPerSecond() + " for a tenant token (policy.tenants."
                                + "maxRequestsPerSecond)");
            }
            if (p.rateLimit().burst() > limits.maxBurst()) {
                throw limit("rateLimit.burst", p.rateLimit().burst(), "at most " + limits.maxBurst()
                        + " for a tenant token (policy.tenants.maxBurst)");
            }
        }
        int ips = p.ipAllow().size() + p.ipDeny().size();
        if (ips > limits.maxIpEntries()) {
            throw limit(p.ipAllow().size() >= p.ipDeny().size() ? "ipAllow" : "ipDeny", ips + " entries",
                    "at most " + limits.maxIpEntries() + " in ipAllow and ipDeny together for a tenant token "
                            + "(policy.tenants.maxIpEntries)");
        }
        if (p.origin() != null && !limits.origin()) {
            throw limit("origin", "set", "not settable by a tenant token (policy.tenants.origin: false)");
        }
        if (!p.errorPages().isEmpty() && !limits.errorPages()) {
            throw limit("errorPages", "set", "not settable by a tenant token (policy.tenants.errorPages: false)");
        }
        if (p.metadata() != null && !limits.metadata()) {
            throw limit("metadata", "set", "not settable by a tenant token (policy.tenants.metadata: false)");
        }
    }

    private static ServiceException limit(String field, Object value, String expected) {
        return new ServiceException(ServiceException.Kind.FORBIDDEN, "policy-limit", null,
                field + ": " + value + " (expected: " + expected + ")", field);
    }

    /**
     * Who the name belongs to (the tenant of its verified claim, null when unclaimed); a tenant token
     * that does not hold it gets "not found".
     */
    private String requireAccess(Principal who, String name) throws ServiceException {
        Optional<DomainRecord> verified = store.records(RecordKinds.DOMAINS).stream()
                .filter(d -> d.name().equals(name) && d.verified()).findFirst();
        if (who.admin()) {
            return verified.map(DomainRecord::tenant).orElse(null);
        }
        if (verified.isEmpty() || !verified.get().tenant().equals(who.tenant())) {
            throw ServiceException.notFound("domain", name);
        }
        return who.tenant();
    }

    private static String name(String raw) throws ServiceException {
        String name = Hostnames.normalizePattern(raw);
        if (name == null) {
            throw HostnamePolicy.bad("name", "name: '" + raw + "' (expected: a DNS name or *.parent.tld)");
        }
        return name;
    }
}
