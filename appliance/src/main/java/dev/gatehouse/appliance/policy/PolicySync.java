package dev.gatehouse.appliance.policy;

import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.HostnamePolicyRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreListener;
import dev.gatehouse.tls.policy.HostPolicy;
import dev.gatehouse.tls.policy.PolicyIndex;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the engine's {@link PolicyIndex} equal to the store's hostname policies: a change written
 * here or replicated from another node is compiled and swapped in at once (no reload). Only the
 * changed name is compiled again (a 10,000-entry IP list is not re-parsed for another name's edit).
 * When the set of origin pools changes, the router is rebuilt so that those pools are reachable.
 *
 * <p>A policy written for a tenant applies only while that tenant holds the name's verified claim:
 * when the claim goes (released, failed, the tenant deleted), the policy stops applying, so the
 * name's next owner never gets the previous owner's metadata, origin or lists.
 */
public final class PolicySync implements StoreListener {

    private static final Logger log = LoggerFactory.getLogger(PolicySync.class);

    private record Compiled(long revision, HostnamePolicy source, HostPolicy policy) {
    }

    private final Store store;
    private final PolicyIndex index;
    private final Runnable originsChanged;
    /** name → what was compiled for it; written under this object's lock (store and API threads). */
    private final Map<String, Compiled> compiled = new HashMap<>();
    private volatile Set<String> originPools = Set.of();

    public PolicySync(Store store, PolicyIndex index, Runnable originsChanged) {
        this.store = store;
        this.index = index;
        this.originsChanged = originsChanged;
    }

    /** The pools named by some policy's {@code origin} (the router makes them reachable by name). */
    public Set<String> originPools() {
        return originPools;
    }

    @Override
    public void policyChanged(String name) {
        sync();
    }

    /** A claim was verified, released or dropped: a policy may start or stop applying. */
    @Override
    public void claimChanged(String tenant) {
        if (!store.records(RecordKinds.HOSTNAME_POLICIES).isEmpty()) {
            sync();
        }
    }

    /** True while the tenant the policy was written for holds the name (admin-set unclaimed names: always). */
    private boolean owned(HostnamePolicyRecord r) {
        return r.tenant() == null || store.record(RecordKinds.DOMAINS, dev.gatehouse.cluster.store.DomainRecord.key(r.name(), r.tenant()))
                .filter(dev.gatehouse.cluster.store.DomainRecord::verified).isPresent();
    }

    /** Compiles what changed since the last call and swaps the index; returns how many names have a policy. */
    public int sync() {
        Set<String> origins;
        boolean originsMoved;
        synchronized (this) {
            Map<String, Compiled> next = new HashMap<>();
            for (HostnamePolicyRecord r : store.records(RecordKinds.HOSTNAME_POLICIES)) {
                Compiled before = compiled.get(r.name());
                if (before != null && before.revision() == r.revision()) {
                    next.put(r.name(), before);
                    continue;
                }
                try {
                    HostnamePolicy p = HostnamePolicy.fromStored(r.policy());
                    next.put(r.name(), new Compiled(r.revision(), p, PolicyCompiler.compile(p,
                            before == null ? null : before.source(), before == null ? null : before.policy())));
                    log.info("event=policy_applied name={} revision={} fields={}", r.name(), r.revision(),
                            p.fieldsSet());
                } catch (ServiceException | RuntimeException e) {
                    log.error("event=policy_rejected name={} revision={} reason={}", r.name(), r.revision(),
                            e.getMessage());
                }
            }
            compiled.keySet().stream().filter(n -> !next.containsKey(n))
                    .forEach(n -> log.info("event=policy_removed name={}", n));
            compiled.clear();
            compiled.putAll(next);
            Map<String, HostPolicy> live = new HashMap<>();
            origins = new TreeSet<>();
            for (Map.Entry<String, Compiled> e : next.entrySet()) {
                HostnamePolicyRecord r = store.record(RecordKinds.HOSTNAME_POLICIES, e.getKey()).orElse(null);
                if (r == null || !owned(r)) {
                    continue; // compiled (so kept for when the claim comes back), not applied
                }
                live.put(e.getKey(), e.getValue().policy());
                if (e.getValue().policy().originPool() != null) {
                    origins.add(e.getValue().policy().originPool());
                }
            }
            index.replace(live);
            originsMoved = !origins.equals(originPools);
            originPools = Set.copyOf(origins);
        }
        if (originsMoved) {
            originsChanged.run();
        }
        return index.size();
    }
}
