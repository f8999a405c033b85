package dev.gatehouse.appliance.node;

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
 * opens is served; a change in the store is live on the next handshake, with no reload.
 */
final class StoreSync implements StoreListener {

    private static final Logger log = LoggerFactory.getLogger(StoreSync.class);

    private final Store store;
    private final CertificateRegistry registry;
    private final EdgeMetrics metrics;
    private final Runnable routingChanged;

    StoreSync(Store store, CertificateRegistry registry, EdgeMetrics metrics, Runnable routingChanged) {
        this.store = store;
        this.registry = registry;
        this.metrics = metrics;
        this.routingChanged = routingChanged;
    }

    /** Loads everything the store holds; returns how many certificates are served. */
    int loadAll() {
        int served = 0;
        for (CertificateRecord r : store.certificates()) {
            if (apply(r)) {
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
        registry.remove(id);
    }

    @Override
    public void routingChanged() {
        routingChanged.run();
    }

    private boolean apply(CertificateRecord r) {
        try {
            // the bundle keeps the key bytes: they are what the TLS context is built from
            byte[] key = store.sealer().open(r.sealedKey(), r.keyAad());
            registry.put(RecordBundles.toBundle(r, key));
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
