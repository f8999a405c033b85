package dev.gatehouse.cluster.store;

import java.util.Collection;
import java.util.Optional;

/**
 * Certificates, tenants, tokens, pools and routes of a node or a cluster. {@link FileStore} keeps
 * them on one node's disk; the cluster issue adds a grid-backed implementation with the same
 * contract: writes are durable when they return, listeners hear every change.
 */
public interface Store extends AutoCloseable {

    Collection<CertificateRecord> certificates();

    Optional<CertificateRecord> certificate(String id);

    /** Stores (or replaces) a certificate; the record's revision must be new. */
    void putCertificate(CertificateRecord record) throws StoreException;

    boolean removeCertificate(String id) throws StoreException;

    Collection<TenantRecord> tenants();

    Optional<TenantRecord> tenant(String id);

    void putTenant(TenantRecord tenant) throws StoreException;

    Collection<TokenRecord> tokens();

    Optional<TokenRecord> token(String id);

    void putToken(TokenRecord token) throws StoreException;

    Collection<PoolRecord> pools();

    void putPool(PoolRecord pool) throws StoreException;

    boolean removePool(String name) throws StoreException;

    Collection<RouteRecord> routes();

    void putRoute(RouteRecord route) throws StoreException;

    boolean removeRoute(String host) throws StoreException;

    /** A new, strictly increasing revision (hybrid logical clock). */
    long nextRevision();

    void addListener(StoreListener listener);

    /** The sealer that opens the store's secrets. */
    Sealer sealer();

    @Override
    void close();
}
