package dev.gatehouse.appliance.acme;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.domains.DomainService;
import dev.gatehouse.cluster.lease.Leases;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
    private final Leases leases;
    private final String owner;
    private final DomainService domains;
    private final ManagedCertificates managed;
    private final ExpiryWatch expiry;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gatehouse-acme");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean holder;
    private volatile long lastTick;

    public AcmeScheduler(GatehouseConfig.Acme config, Leases leases, String owner, DomainService domains,
            ManagedCertificates managed, ExpiryWatch expiry) {
        this.config = config;
        this.leases = leases;
        this.owner = owner;
        this.domains = domains;
        this.managed = managed;
        this.expiry = expiry;
    }

    public AcmeScheduler start() {
        thread.scheduleWithFixedDelay(this::tick, 0, config.interval().toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Runs a tick soon (after an API request), without waiting for the interval. */
    public void wakeUp() {
        if (!thread.isShutdown()) {
            thread.execute(this::tick);
        }
    }

    /** Queues an on-demand request (from {@link OnDemand}'s drain thread, never the event loop), then a tick. */
    public void requestOnDemand(String name, Runnable done) {
        if (thread.isShutdown()) {
            done.run();
            return;
        }
        thread.execute(() -> {
            try {
                managed.requestOnDemand(name);
            } catch (dev.gatehouse.cluster.store.StoreException | RuntimeException e) {
                log.warn("event=acme_on_demand_failed name={} cause={}", name, e.toString());
            } finally {
                done.run();
            }
            tick();
        });
    }

    private boolean extendLease() {
        boolean held;
        try {
            held = leases.tryAcquire(LEASE, owner, config.leaseTtl());
        } catch (RuntimeException e) {
            log.warn("event=acme_lease_error node={} cause={}", owner, e.toString());
            held = false;
        }
        if (held != holder) {
            log.info("event=acme_lease node={} held={}", owner, held);
        }
        holder = held;
        return held;
    }

    private void tick() {
        lastTick = System.currentTimeMillis();
        try {
            expiry.scan();
            // domain claims are proven whether ACME is on or not; orders and renewals only with it
            if (!extendLease()) {
                return;
            }
            domains.runDueChecks();
            if (!config.enabled()) {
                return;
            }
            managed.runDue(() -> {
                if (!extendLease()) {
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
        return holder;
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
            m.put("schedulerHere", holder);
            try {
                m.put("schedulerNode", leases.holder(LEASE).map(Leases.Holder::owner).orElse(null));
            } catch (RuntimeException e) {
                m.put("schedulerNode", null);
            }
            m.put("lastTick", lastTick == 0 ? null : Instant.ofEpochMilli(lastTick).toString());
        }
        return m;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (holder) {
            try {
                leases.release(LEASE, owner);
            } catch (RuntimeException e) {
                log.debug("event=acme_lease_release_failed cause={}", e.toString());
            }
        }
    }
}
