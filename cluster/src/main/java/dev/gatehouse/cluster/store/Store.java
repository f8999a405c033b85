package dev.gatehouse.cluster.store;

import java.util.Collection;
import java.util.Optional;

/**
 * Certificates, tenants, tokens, pools, routes and ACME state (domain claims, account, challenges,
 * managed certificates) of a node or a cluster. {@link FileStore} keeps
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

    /** Removes a tenant record (its objects are removed first by the caller). */
    boolean removeTenant(String id) throws StoreException;

    Collection<TokenRecord> tokens();

    Optional<TokenRecord> token(String id);

    void putToken(TokenRecord token) throws StoreException;

    Collection<PoolRecord> pools();

    void putPool(PoolRecord pool) throws StoreException;

    boolean removePool(String name) throws StoreException;

    Collection<RouteRecord> routes();

    void putRoute(RouteRecord route) throws StoreException;

    boolean removeRoute(String host) throws StoreException;

    /** Domain claims and their verification state, by {@link DomainRecord#key() name@tenant}. */
    Collection<DomainRecord> domains();

    Optional<DomainRecord> domain(String key);

    void putDomain(DomainRecord domain) throws StoreException;

    boolean removeDomain(String key) throws StoreException;

    /** The cluster's ACME account at a directory, by {@link AcmeAccountRecord#id()}. */
    Optional<AcmeAccountRecord> acmeAccount(String id);

    void putAcmeAccount(AcmeAccountRecord account) throws StoreException;

    /** HTTP-01 challenge responses, by token; read on the event loop, so reads never block. */
    Collection<ChallengeRecord> challenges();

    Optional<ChallengeRecord> challenge(String token);

    void putChallenge(ChallengeRecord challenge) throws StoreException;

    boolean removeChallenge(String token) throws StoreException;

    /** ACME-managed certificates' issuer state, by name. */
    Collection<ManagedCertificateRecord> managedCertificates();

    Optional<ManagedCertificateRecord> managedCertificate(String name);

    void putManagedCertificate(ManagedCertificateRecord record) throws StoreException;

    boolean removeManagedCertificate(String name) throws StoreException;

    /** Lifecycle events, by {@link EventRecord#id()} (unordered: callers sort by {@link EventRecord#seq()}). */
    Collection<EventRecord> events();

    Optional<EventRecord> event(String id);

    void putEvent(EventRecord event) throws StoreException;

    boolean removeEvent(String id) throws StoreException;

    /** Webhook subscriptions, by id. */
    Collection<WebhookRecord> webhooks();

    Optional<WebhookRecord> webhook(String id);

    void putWebhook(WebhookRecord webhook) throws StoreException;

    boolean removeWebhook(String id) throws StoreException;

    /** Delivery progress of webhooks, by webhook id. */
    Collection<WebhookDeliveryRecord> webhookDeliveries();

    Optional<WebhookDeliveryRecord> webhookDelivery(String webhook);

    void putWebhookDelivery(WebhookDeliveryRecord delivery) throws StoreException;

    boolean removeWebhookDelivery(String webhook) throws StoreException;

    // ---- OCSP stapling ------------------------------------------------------------------------

    /** OCSP state of certificates whose leaf names a responder, by certificate id. */
    Collection<OcspResponseRecord> ocspResponses();

    Optional<OcspResponseRecord> ocspResponse(String certificate);

    void putOcspResponse(OcspResponseRecord record) throws StoreException;

    boolean removeOcspResponse(String certificate) throws StoreException;

    /** A new, strictly increasing revision (hybrid logical clock). */
    long nextRevision();

    void addListener(StoreListener listener);

    /** The sealer that opens the store's secrets. */
    Sealer sealer();

    @Override
    void close();
}
