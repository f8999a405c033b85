package dev.gatehouse.appliance.accesslog;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import java.util.function.Function;

/**
 * Certificate id → tenant id for the access log's {@code tenant} field, read from the node's local
 * store (always in step with the grid). Called on the event loops for every line: the store keeps its
 * certificates in a concurrent in-memory map, so this is one map read, no I/O and no lock (a cache in
 * front of it cost more than the read: a clock read and a buffer write per hit). Certificates loaded
 * from {@code tls.certificateDirs} belong to no tenant: null.
 */
public final class TenantLookup implements Function<String, String> {

    private final Store store;

    public TenantLookup(Store store) {
        this.store = store;
    }

    @Override
    public String apply(String certificateId) {
        CertificateRecord c = store.record(RecordKinds.CERTIFICATES, certificateId).orElse(null);
        return c == null || c.tenant() == null || c.tenant().isEmpty() ? null : c.tenant();
    }
}
