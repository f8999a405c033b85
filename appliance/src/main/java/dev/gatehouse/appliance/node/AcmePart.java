package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.acme.AcmeScheduler;
import dev.gatehouse.appliance.acme.ExpiryWatch;
import dev.gatehouse.appliance.acme.ManagedCertificates;
import dev.gatehouse.appliance.acme.OnDemand;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.console.AcmeServices;
import dev.gatehouse.appliance.domains.ClaimIndex;
import dev.gatehouse.appliance.events.Events;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.sni.CertificateRegistry;
import java.time.Clock;

/**
 * The expiry watch on every node and, with {@code acme.enabled}, domain verification and the ACME
 * scheduler, which runs on the one node holding the scheduler lease (grid lease when clustered);
 * with {@code acme.onDemand}, certificates obtained on a handshake for a verified name the
 * registry misses. Closing stops on-demand issuance, then the scheduler (giving its lease up).
 *
 * @param managed  certificates managed by ACME, null when {@code acme.enabled} is false
 * @param onDemand on-demand issuance, null when off
 */
record AcmePart(Lifecycle parts, ExpiryWatch expiry, ManagedCertificates managed, AcmeScheduler scheduler,
        OnDemand onDemand) implements AutoCloseable {

    static AcmePart start(GatehouseConfig config, Store store, ClusterPart cluster, ServicesPart services,
            Events events, ClaimIndex claims, CertificateRegistry registry, EdgeMetrics metrics)
            throws PartStartException {
        GatehouseConfig.Acme ac = config.acme();
        Clock clock = Clock.systemUTC();
        ExpiryWatch expiry = new ExpiryWatch(store, ac.expiryWarning(), clock);
        ManagedCertificates managed = ac.enabled() ? new ManagedCertificates(services.context(), services.domains(),
                services.certificates(), ac, config.node().name(), cluster.grid() != null) : null;
        AcmeScheduler scheduler = new AcmeScheduler(ac, cluster.leases(config.node().name(), clock),
                services.domains(), managed, expiry);
        // certificate.expiring once per cluster: by the scheduler lease holder
        expiry.events(events, scheduler::holdsLease);
        if (managed != null) {
            managed.events(events);
        }
        Lifecycle parts = new Lifecycle("acme");
        parts.start("scheduler", scheduler::start);
        OnDemand onDemand = null;
        if (ac.enabled() && ac.onDemand()) {
            onDemand = parts.start("on demand", () -> new OnDemand(store, claims, ac.onDemandPerHour(), metrics,
                    clock, scheduler::requestOnDemand));
            registry.onMiss(onDemand);
        }
        return new AcmePart(parts, expiry, managed, scheduler, onDemand);
    }

    /** The console's view of ACME, or null when {@code acme.enabled} is false. */
    AcmeServices console() {
        return managed == null ? null : new AcmeServices(managed, scheduler::wakeUp);
    }

    @Override
    public void close() throws PartCloseException {
        parts.close();
    }
}
