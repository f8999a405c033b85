package dev.gatehouse.appliance.metrics;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-tenant label values, capped: the first {@code limit} tenants seen get their own value,
 * every later one shares {@link #OTHER}, and a request of no tenant (a certificate from a
 * directory, a refused handshake) gets {@link #NONE}. So the series count stays bounded however
 * many tenants the SaaS has. Lookups of a known tenant are one map read; only admitting a new one
 * takes the lock.
 */
final class TenantLabels {

    static final String OTHER = "_other";
    static final String NONE = "_none";

    private final int limit;
    private final ConcurrentHashMap<String, String> admitted = new ConcurrentHashMap<>();

    TenantLabels(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("tenantLabels: " + limit + " (expected: >= 1)");
        }
        this.limit = limit;
    }

    /** The label value for {@code tenant} (null: no tenant). */
    String of(String tenant) {
        if (tenant == null) {
            return NONE;
        }
        String v = admitted.get(tenant);
        return v != null ? v : admit(tenant);
    }

    private synchronized String admit(String tenant) {
        String v = admitted.get(tenant);
        if (v != null) {
            return v;
        }
        if (admitted.size() >= limit) {
            return OTHER;
        }
        admitted.put(tenant, tenant);
        return tenant;
    }

    int admittedCount() {
        return admitted.size();
    }
}
