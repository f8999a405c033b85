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
 * <p>Implementations provide the four generic operations over a {@link RecordKind}; the typed
 * accessors below are shorthands for them, one kind of {@link RecordKinds} each.
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

    default Optional<CertificateRecord> certificate(String id) {
        return record(RecordKinds.CERTIFICATES, id);
    }

    /** Stores (or replaces) a certificate; the record's revision must be new. */
    default void putCertificate(CertificateRecord record) throws StoreException {
        put(RecordKinds.CERTIFICATES, record);
    }

    default boolean removeCertificate(String id) throws StoreException {
        return remove(RecordKinds.CERTIFICATES, id);
    }

    default Collection<TenantRecord> tenants() {
        return records(RecordKinds.TENANTS);
    }

    default Optional<TenantRecord> tenant(String id) {
        return record(RecordKinds.TENANTS, id);
    }

    default void putTenant(TenantRecord tenant) throws StoreException {
        put(RecordKinds.TENANTS, tenant);
    }

    /** Removes a tenant record (its objects are removed first by the caller). */
    default boolean removeTenant(String id) throws StoreException {
        return remove(RecordKinds.TENANTS, id);
    }

    default Collection<TokenRecord> tokens() {
        return records(RecordKinds.TOKENS);
    }

    default Optional<TokenRecord> token(String id) {
        return record(RecordKinds.TOKENS, id);
    }

    default void putToken(TokenRecord token) throws StoreException {
        put(RecordKinds.TOKENS, token);
    }

    default Collection<PoolRecord> pools() {
        return records(RecordKinds.POOLS);
    }

    default void putPool(PoolRecord pool) throws StoreException {
        put(RecordKinds.POOLS, pool);
    }

    default boolean removePool(String name) throws StoreException {
        return remove(RecordKinds.POOLS, name);
    }

    default Collection<RouteRecord> routes() {
        return records(RecordKinds.ROUTES);
    }

    default void putRoute(RouteRecord route) throws StoreException {
        put(RecordKinds.ROUTES, route);
    }

    default boolean removeRoute(String host) throws StoreException {
        return remove(RecordKinds.ROUTES, host);
    }

    /** Domain claims and their verification state, by {@link DomainRecord#key() name@tenant}. */
    default Collection<DomainRecord> domains() {
        return records(RecordKinds.DOMAINS);
    }

    default Optional<DomainRecord> domain(String key) {
        return record(RecordKinds.DOMAINS, key);
    }

    default void putDomain(DomainRecord domain) throws StoreException {
        put(RecordKinds.DOMAINS, domain);
    }

    default boolean removeDomain(String key) throws StoreException {
        return remove(RecordKinds.DOMAINS, key);
    }

    /** The cluster's ACME account at a directory, by {@link AcmeAccountRecord#id()}. */
    default Optional<AcmeAccountRecord> acmeAccount(String id) {
        return record(RecordKinds.ACME_ACCOUNTS, id);
    }

    default void putAcmeAccount(AcmeAccountRecord account) throws StoreException {
        put(RecordKinds.ACME_ACCOUNTS, account);
    }

    /** HTTP-01 challenge responses, by token; read on the event loop, so reads never block. */
    default Collection<ChallengeRecord> challenges() {
        return records(RecordKinds.CHALLENGES);
    }

    default Optional<ChallengeRecord> challenge(String token) {
        return record(RecordKinds.CHALLENGES, token);
    }

    default void putChallenge(ChallengeRecord challenge) throws StoreException {
        put(RecordKinds.CHALLENGES, challenge);
    }

    default boolean removeChallenge(String token) throws StoreException {
        return remove(RecordKinds.CHALLENGES, token);
    }

    /** ACME-managed certificates' issuer state, by name. */
    default Collection<ManagedCertificateRecord> managedCertificates() {
        return records(RecordKinds.MANAGED);
    }

    default Optional<ManagedCertificateRecord> managedCertificate(String name) {
        return record(RecordKinds.MANAGED, name);
    }

    default void putManagedCertificate(ManagedCertificateRecord record) throws StoreException {
        put(RecordKinds.MANAGED, record);
    }

    default boolean removeManagedCertificate(String name) throws StoreException {
        return remove(RecordKinds.MANAGED, name);
    }

    /** Lifecycle events, by {@link EventRecord#id()} (unordered: callers sort by {@link EventRecord#seq()}). */
    default Collection<EventRecord> events() {
        return records(RecordKinds.EVENTS);
    }

    default Optional<EventRecord> event(String id) {
        return record(RecordKinds.EVENTS, id);
    }

    default void putEvent(EventRecord event) throws StoreException {
        put(RecordKinds.EVENTS, event);
    }

    default boolean removeEvent(String id) throws StoreException {
        return remove(RecordKinds.EVENTS, id);
    }

    /** Webhook subscriptions, by id. */
    default Collection<WebhookRecord> webhooks() {
        return records(RecordKinds.WEBHOOKS);
    }

    default Optional<WebhookRecord> webhook(String id) {
        return record(RecordKinds.WEBHOOKS, id);
    }

    default void putWebhook(WebhookRecord webhook) throws StoreException {
        put(RecordKinds.WEBHOOKS, webhook);
    }

    default boolean removeWebhook(String id) throws StoreException {
        return remove(RecordKinds.WEBHOOKS, id);
    }

    /** Delivery progress of webhooks, by webhook id. */
    default Collection<WebhookDeliveryRecord> webhookDeliveries() {
        return records(RecordKinds.WEBHOOK_DELIVERIES);
    }

    default Optional<WebhookDeliveryRecord> webhookDelivery(String webhook) {
        return record(RecordKinds.WEBHOOK_DELIVERIES, webhook);
    }

    default void putWebhookDelivery(WebhookDeliveryRecord delivery) throws StoreException {
        put(RecordKinds.WEBHOOK_DELIVERIES, delivery);
    }

    default boolean removeWebhookDelivery(String webhook) throws StoreException {
        return remove(RecordKinds.WEBHOOK_DELIVERIES, webhook);
    }

    /** Per-hostname TLS and HTTP policies, by normalized name. */
    default Collection<HostnamePolicyRecord> hostnamePolicies() {
        return records(RecordKinds.HOSTNAME_POLICIES);
    }

    default Optional<HostnamePolicyRecord> hostnamePolicy(String name) {
        return record(RecordKinds.HOSTNAME_POLICIES, name);
    }

    default void putHostnamePolicy(HostnamePolicyRecord policy) throws StoreException {
        put(RecordKinds.HOSTNAME_POLICIES, policy);
    }

    default boolean removeHostnamePolicy(String name) throws StoreException {
        return remove(RecordKinds.HOSTNAME_POLICIES, name);
    }

    // ---- OCSP stapling ------------------------------------------------------------------------

    /** OCSP state of certificates whose leaf names a responder, by certificate id. */
    default Collection<OcspResponseRecord> ocspResponses() {
        return records(RecordKinds.OCSP_RESPONSES);
    }

    default Optional<OcspResponseRecord> ocspResponse(String certificate) {
        return record(RecordKinds.OCSP_RESPONSES, certificate);
    }

    default void putOcspResponse(OcspResponseRecord record) throws StoreException {
        put(RecordKinds.OCSP_RESPONSES, record);
    }

    default boolean removeOcspResponse(String certificate) throws StoreException {
        return remove(RecordKinds.OCSP_RESPONSES, certificate);
    }

    /** A new, strictly increasing revision (hybrid logical clock). */
    long nextRevision();

    void addListener(StoreListener listener);

    /** The sealer that opens the store's secrets. */
    Sealer sealer();

    @Override
    void close();
}
