package dev.gatehouse.cluster.store;

import java.util.List;
import java.util.Objects;

/**
 * A tenant and the host names it has claimed (exact names or one-label wildcards). A name is claimed
 * by one tenant at most.
 */
public record TenantRecord(String id, String displayName, List<String> domains, long revision, long createdAt) {

    public TenantRecord {
        Objects.requireNonNull(id, "id");
        domains = List.copyOf(domains);
    }

    public TenantRecord withDomains(List<String> next, long rev) {
        return new TenantRecord(id, displayName, next, rev, createdAt);
    }
}
