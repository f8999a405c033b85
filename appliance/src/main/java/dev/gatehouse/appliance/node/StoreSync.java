package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.domains.ClaimIndex;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreListener;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.sni.CertificateRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the engine's certificate registry equal to the store: every stored certificate whose key
 * opens is served for the names its tenant has verified claims on (and not at all when there are
 * none); a change in the store, a certificate's or a claim's, is live on the next handshake, with
 * no reload.
 */
final class StoreSync implements StoreListener {

    private static final Logger log = LoggerFactory.getLogger(StoreSync.class);

    private final Store store;
    private final CertificateRegistry registry;
    private final EdgeMetrics metrics;
    private final Runnable routingChanged;
    private final ClaimIndex claims;
    /** What each served certificate was last given to the registry as: revision and names (store threads). */
    private final java.util.Map<String, Applied> applied = new java.util.concurrent.ConcurrentHashMap<>();

    private record Applied(long revision, java.util.List<String> names) {
    }

    StoreSync(Store store, ClaimIndex claims, CertificateRegistry registry, EdgeMetrics metrics,
            Runnable routingChanged) {
        this.store = store;
        this.claims = claims;
        this.registry = registry;
        this.metrics = metrics;
        this.routingChanged = routingChanged;
    }

    /** Loads everything the store holds; returns how many certificates are served. */
    int loadAll() {
        return applyAll(r -> true);
    }

    /** Applies the stored certificates {@code which} selects; returns how many of them are served. */
    private int applyAll(java.util.function.Predicate<CertificateRecord> which) {
        int served = 0;
        for (CertificateRecord r : store.certificates()) {
            if (which.test(r) && apply(r)) {
                served++;
            }
        }
        return served;
    }

    @Override
    public void certificatePut(CertificateRecord record) {
        apply(record);
    }

    @Override
    public void certificateRemoved(String id) {
        applied.remove(id);
        registry.remove(id);
    }

    /** The claim index has been rebuilt already (it listens first): serve the tenant's certificates anew. */
    @Override
    public void claimChanged(String tenant) {
        applyAll(r -> r.tenant().equals(tenant));
    }

    @Override
    public void routingChanged() {
        routingChanged.run();
    }

    private boolean apply(CertificateRecord r) {
        java.util.List<String> served = CertificateService.servedNames(claims, r.tenant(), r.names());
        Applied now = new Applied(r.revision(), served);
        if (now.equals(applied.get(r.id()))) {
            return true; // a claim of the tenant changed, not what this certificate is served for
        }
        if (served.isEmpty()) {
            applied.remove(r.id());
            registry.remove(r.id());
            log.debug("event=certificate_not_served id={} tenant={} names={} reason=no verified claim", r.id(),
                    r.tenant(), r.names());
            return false;
        }
        try {
            // the bundle keeps the key bytes: they are what the TLS context is built from
            byte[] key = store.sealer().open(r.sealedKey(), r.keyAad());
            registry.put(RecordBundles.toBundle(r, served, key));
            applied.put(r.id(), now);
            return true;
        } catch (SealException e) {
            metrics.increment("store.rejected_entries");
            log.error("event=certificate_rejected id={} tenant={} reason=sealed key {}", r.id(), r.tenant(), e.getMessage());
            return false;
        } catch (RuntimeException e) {
            metrics.increment("store.rejected_entries");
            log.error("event=certificate_rejected id={} tenant={} reason={}", r.id(), r.tenant(), e.toString());
            return false;
        }
    }
}
