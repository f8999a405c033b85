package dev.gatehouse.cluster.store;

import java.util.Collection;
import java.util.Optional;

/**
 * Certificates, tenants, tokens, pools, routes and ACME state (domain claims, account, challenges,
 * managed certificates) of a node or a cluster. {@link FileStore} keeps
 * them on one node's disk; the grid store keeps them in the cluster with the same
 * contract: writes are durable when they return, listeners hear every change (after the store's
 * locks are released, in the order of the writes).
 *
 * <p>Implementations provide the four generic operations over a {@link RecordKind}; callers name
 * the kind from {@link RecordKinds}, e.g. {@code store.put(RecordKinds.TENANTS, tenant)}. The few
 * typed shorthands left below are those the node package still calls; they go with it.
 */
public interface Store extends AutoCloseable {

    /** Every live record of a kind (a copy: later writes do not show in it). */
    <T> Collection<T> records(RecordKind<T> kind);

    /** The live record of a kind under {@code key}. */
    <T> Optional<T> record(RecordKind<T> kind, String key);

    /** Stores (or replaces) a record under its kind's key; its revision must be new. Durable, and heard by listeners, when it returns. */
    <T> void put(RecordKind<T> kind, T record) throws StoreException;

    /** Deletes a record (leaving a tombstone); false when there was none. */
    boolean remove(RecordKind<?> kind, String key) throws StoreException;

    default Collection<CertificateRecord> certificates() {
        return records(RecordKinds.CERTIFICATES);
    }

    default Collection<TenantRecord> tenants() {
        return records(RecordKinds.TENANTS);
    }

    default Optional<TenantRecord> tenant(String id) {
        return record(RecordKinds.TENANTS, id);
    }

    default Collection<PoolRecord> pools() {
        return records(RecordKinds.POOLS);
    }

    default Collection<RouteRecord> routes() {
        return records(RecordKinds.ROUTES);
    }

    /** Lifecycle events, by {@link EventRecord#id()} (unordered: callers sort by {@link EventRecord#seq()}). */
    default Collection<EventRecord> events() {
        return records(RecordKinds.EVENTS);
    }

    /** A new, strictly increasing revision (hybrid logical clock). */
    long nextRevision();

    void addListener(StoreListener listener);

    /** The sealer that opens the store's secrets. */
    Sealer sealer();

    @Override
    void close();
}
