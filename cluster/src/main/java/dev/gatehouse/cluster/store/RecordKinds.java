package dev.gatehouse.cluster.store;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every kind of object in the store, in one place: the local snapshot, the grid, backups and
 * the compatibility fixtures iterate {@link #ALL} in this order. A new kind is one entry here
 * (and in {@link #ALL}) plus its record class; typed accessors on {@link Store} are optional
 * one-line defaults over {@link Store#records}, {@link Store#record}, {@link Store#put} and
 * {@link Store#remove}.
 */
public final class RecordKinds {

    public static final RecordKind<CertificateRecord> CERTIFICATES = RecordKind.builder(Records.CERTIFICATES,
                    CertificateRecord.class, CertificateRecord::id, CertificateRecord::revision)
            .noun("certificate")
            .sealed(CertificateRecord::sealedKey, CertificateRecord::keyAad, (c, k) -> new CertificateRecord(c.id(),
                    c.tenant(), c.names(), c.revision(), c.chainPem(), k, c.keyType(), c.notBefore(), c.notAfter(),
                    c.fingerprint(), c.issuer(), c.serial(), c.managed(), c.createdAt(), c.updatedAt()), true)
            .onPut(StoreListener::certificatePut)
            .onRemoved(StoreListener::certificateRemoved)
            .build();

    public static final RecordKind<TenantRecord> TENANTS = RecordKind.builder(Records.TENANTS, TenantRecord.class,
            TenantRecord::id, TenantRecord::revision).build();

    /** A token revoked in the grid stays revoked whatever the revisions: revocation is one-way. */
    public static final RecordKind<TokenRecord> TOKENS = RecordKind.builder(Records.TOKENS, TokenRecord.class,
                    TokenRecord::id, TokenRecord::revision)
            .gridWins((grid, local) -> grid.revoked() && !local.revoked())
            .build();

    public static final RecordKind<PoolRecord> POOLS = RecordKind.builder(Records.POOLS, PoolRecord.class,
                    PoolRecord::name, PoolRecord::revision)
            .onChange(StoreListener::routingChanged)
            .build();

    public static final RecordKind<RouteRecord> ROUTES = RecordKind.builder(Records.ROUTES, RouteRecord.class,
                    RouteRecord::host, RouteRecord::revision)
            .onChange(StoreListener::routingChanged)
            .build();

    /** Keyed {@code name@tenant} ({@link DomainRecord#key()}); files of the older name-only keys are re-keyed on load. */
    public static final RecordKind<DomainRecord> DOMAINS = RecordKind.builder(Records.DOMAINS, DomainRecord.class,
                    DomainRecord::key, DomainRecord::revision)
            .onPut((l, d) -> l.claimChanged(d.tenant()))
            .onRemoved((l, key) -> l.claimChanged(key.substring(key.lastIndexOf('@') + 1)))
            .build();

    public static final RecordKind<AcmeAccountRecord> ACME_ACCOUNTS = RecordKind.builder(Records.ACME_ACCOUNTS,
                    AcmeAccountRecord.class, AcmeAccountRecord::id, AcmeAccountRecord::revision)
            .noun("ACME account")
            .sealed(AcmeAccountRecord::sealedKey, AcmeAccountRecord::keyAad, (a, k) -> new AcmeAccountRecord(a.id(),
                    a.directory(), a.accountUrl(), k, a.publicKey(), a.createdAt(), a.revision()), true)
            .build();

    public static final RecordKind<ChallengeRecord> CHALLENGES = RecordKind.builder(Records.CHALLENGES,
            ChallengeRecord.class, ChallengeRecord::token, ChallengeRecord::revision).build();

    public static final RecordKind<ManagedCertificateRecord> MANAGED = RecordKind.builder(Records.MANAGED,
            ManagedCertificateRecord.class, ManagedCertificateRecord::name, ManagedCertificateRecord::revision).build();

    public static final RecordKind<EventRecord> EVENTS = RecordKind.builder(Records.EVENTS, EventRecord.class,
                    EventRecord::id, EventRecord::revision)
            .onPut(StoreListener::eventAdded)
            .build();

    /** The secret is re-sealed on key rotation but not opened on load (a webhook whose secret fails is reported on delivery). */
    public static final RecordKind<WebhookRecord> WEBHOOKS = RecordKind.builder(Records.WEBHOOKS, WebhookRecord.class,
                    WebhookRecord::id, WebhookRecord::revision)
            .sealed(WebhookRecord::sealedSecret, WebhookRecord::secretAad, (w, s) -> new WebhookRecord(w.id(),
                    w.tenant(), w.url(), w.types(), s, w.startAfter(), w.createdAt(), w.description(), w.revision(),
                    w.restricted()), false)
            .build();

    public static final RecordKind<WebhookDeliveryRecord> WEBHOOK_DELIVERIES = RecordKind.builder(
            Records.WEBHOOK_DELIVERIES, WebhookDeliveryRecord.class, WebhookDeliveryRecord::webhook,
            WebhookDeliveryRecord::revision).build();

    /** Per-hostname policies; the engine recompiles a name's policy when it changes. */
    public static final RecordKind<HostnamePolicyRecord> HOSTNAME_POLICIES = RecordKind.builder(
                    Records.HOSTNAME_POLICIES, HostnamePolicyRecord.class, HostnamePolicyRecord::name,
                    HostnamePolicyRecord::revision)
            .onKeyChanged(StoreListener::policyChanged)
            .build();

    /** OCSP responses by certificate id (public data, not sealed); every node re-verifies before stapling. */
    public static final RecordKind<OcspResponseRecord> OCSP_RESPONSES = RecordKind.builder(
                    Records.OCSP_RESPONSES, OcspResponseRecord.class, OcspResponseRecord::certificate,
                    OcspResponseRecord::revision)
            .onKeyChanged(StoreListener::ocspChanged)
            .build();

    /** Every kind, in load and reconciliation order. */
    public static final List<RecordKind<?>> ALL = List.of(CERTIFICATES, TENANTS, TOKENS, POOLS, ROUTES, DOMAINS,
            ACME_ACCOUNTS, CHALLENGES, MANAGED, EVENTS, WEBHOOKS, WEBHOOK_DELIVERIES, HOSTNAME_POLICIES, OCSP_RESPONSES);

    /** The names of {@link #ALL}, in the same order. */
    public static final List<String> NAMES = ALL.stream().map(RecordKind::name).toList();

    private static final Map<String, RecordKind<?>> BY_NAME = byName();

    private RecordKinds() {
    }

    private static Map<String, RecordKind<?>> byName() {
        Map<String, RecordKind<?>> m = new LinkedHashMap<>();
        for (RecordKind<?> k : ALL) {
            if (m.put(k.name(), k) != null) {
                throw new IllegalStateException("record kind registered twice: " + k.name());
            }
        }
        return Map.copyOf(m);
    }

    /** The kind of this name, or an {@link IllegalArgumentException} naming it and the known ones. */
    public static RecordKind<?> of(String name) {
        RecordKind<?> k = BY_NAME.get(name);
        if (k == null) {
            throw new IllegalArgumentException("kind: " + name + " (expected one of " + NAMES + ")");
        }
        return k;
    }
}
