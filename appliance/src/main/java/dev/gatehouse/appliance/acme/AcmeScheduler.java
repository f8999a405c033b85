package dev.gatehouse.appliance.acme;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.core.NodeLeases;
import dev.gatehouse.appliance.domains.DomainService;
import dev.gatehouse.cluster.lease.LeaseHolder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ACME scheduler of a node. Every tick (and at once after an API request) it scans for
 * expiring certificates and, when ACME is enabled, takes or extends the cluster-wide lease
 * {@value #LEASE}; only the holder checks pending domain claims and runs orders and renewals, one
 * at a time on this single thread. A holder that dies stops extending the lease; another node
 * takes it after {@code acme.leaseTtl} and resumes any order in flight from the store.
 */
public final class AcmeScheduler implements AutoCloseable {

    static final String LEASE = "acme-scheduler";
    private static final Logger log = LoggerFactory.getLogger(AcmeScheduler.class);

    private final GatehouseConfig.Acme config;
    private final String owner;
    private final DomainService domains;
    private final ManagedCertificates managed;
    private final ExpiryWatch expiry;
    private final LeaseHolder lease;
    private volatile long lastTick;

    public AcmeScheduler(GatehouseConfig.Acme config, NodeLeases leases, DomainService domains,
            ManagedCertificates managed, ExpiryWatch expiry) {
        this.config = config;
        this.owner = leases.node();
        this.domains = domains;
        this.managed = managed;
        this.expiry = expiry;
        this.lease = leases.holder(LEASE, config.leaseTtl(), "acme", "gatehouse-acme", log);
    }

    public AcmeScheduler start() {
        lease.start(config.interval(), this::tick);
        return this;
    }

    /** Runs a tick soon (after an API request), without waiting for the interval. */
    public void wakeUp() {
        lease.execute(this::tick);
    }

    /** Queues an on-demand request (from {@link OnDemand}'s drain thread, never the event loop), then a tick. */
    public void requestOnDemand(String name, Runnable done) {
        boolean queued = lease.execute(() -> {
            try {
                managed.requestOnDemand(name);
            } catch (dev.gatehouse.cluster.store.StoreException | RuntimeException e) {
                log.warn("event=acme_on_demand_failed name={} cause={}", name, e.toString());
            } finally {
                done.run();
            }
            tick();
        });
        if (!queued) {
            done.run();
        }
    }

    private void tick() {
        lastTick = System.currentTimeMillis();
        try {
            expiry.scan();
            // domain claims are proven whether ACME is on or not; orders and renewals only with it
            if (!lease.extend()) {
                return;
            }
            domains.runDueChecks();
            if (!config.enabled()) {
                return;
            }
            managed.runDue(() -> {
                if (!lease.extend()) {
                    throw new LeaseGuard.LeaseLostException();
                }
            });
            managed.removeExpiredChallenges();
        } catch (LeaseGuard.LeaseLostException e) {
            log.warn("event=acme_lease_lost node={} detail=work stopped; the next holder resumes it", owner);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("event=acme_tick_failed node={} cause={}", owner, e.toString(), e);
        }
    }

    /** True while this node holds the scheduler lease (it runs orders and renewals). */
    public boolean holdsLease() {
        return lease.held();
    }

    /** Epoch ms of the latest tick, 0 before the first. */
    public long lastTick() {
        return lastTick;
    }

    /** For {@code /v1/status}. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", config.enabled());
        if (config.enabled()) {
            m.put("directory", config.directory().toString());
            m.put("schedulerHere", lease.held());
            m.put("schedulerNode", lease.currentOwner().orElse(null));
            m.put("lastTick", lastTick == 0 ? null : Instant.ofEpochMilli(lastTick).toString());
        }
        return m;
    }

    @Override
    public void close() {
        lease.close();
    }
}
