package dev.gatehouse.cluster.store;

/** Names of the kinds of objects in the store (file directories, event kinds, audit objects). */
public final class Records {

    public static final String CERTIFICATES = "certificates";
    public static final String TENANTS = "tenants";
    public static final String TOKENS = "tokens";
    public static final String POOLS = "pools";
    public static final String ROUTES = "routes";

    private Records() {
    }
}
