package dev.gatehouse.cluster.store;

/** Names of the kinds of objects in the store (file directories, event kinds, audit objects). */
public final class Records {

    public static final String CERTIFICATES = "certificates";
    public static final String TENANTS = "tenants";
    public static final String TOKENS = "tokens";
    public static final String POOLS = "pools";
    public static final String ROUTES = "routes";
    public static final String DOMAINS = "domains";
    public static final String ACME_ACCOUNTS = "acme-accounts";
    public static final String CHALLENGES = "challenges";
    public static final String MANAGED = "managed-certificates";
    public static final String EVENTS = "events";
    public static final String WEBHOOKS = "webhooks";
    public static final String WEBHOOK_DELIVERIES = "webhook-deliveries";
    public static final String HOSTNAME_POLICIES = "hostname-policies";
    public static final String OCSP_RESPONSES = "ocsp-responses";

    private Records() {
    }
}
