package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * Reads and checks the {@code policy:} section: what a tenant token may set in the policy of its own
 * verified names ({@code PUT /v1/domains/{name}/policy}). An admin token is held only to the hard
 * limits every policy obeys (see {@code HostnamePolicy}).
 */
final class PolicySection {

    private static final String AT = "policy";
    private static final String TENANTS = "policy.tenants";

    private PolicySection() {
    }

    static GatehouseConfig.Policy read(ConfigReader r, JsonNode p) {
        r.onlyKnown(AT, p, Set.of("tenants"));
        JsonNode t = r.object(AT, p, "tenants");
        r.onlyKnown(TENANTS, t, Set.of("maxRequestsPerSecond", "maxBurst", "maxIpEntries", "origin",
                "errorPages", "metadata"));
        int rate = r.integer(TENANTS, t, "maxRequestsPerSecond", 1000, 1, 1_000_000);
        int burst = r.integer(TENANTS, t, "maxBurst", 2000, 1, 1_000_000);
        int ips = r.integer(TENANTS, t, "maxIpEntries", 10_000, 0, 100_000);
        boolean origin = r.bool(TENANTS, t, "origin", false);
        boolean pages = r.bool(TENANTS, t, "errorPages", true);
        boolean metadata = r.bool(TENANTS, t, "metadata", true);
        return new GatehouseConfig.Policy(new GatehouseConfig.TenantPolicyLimits(rate, burst, ips, origin, pages,
                metadata));
    }
}
