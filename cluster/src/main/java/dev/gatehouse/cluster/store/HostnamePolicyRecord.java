package dev.gatehouse.cluster.store;

import java.util.Objects;

/**
 * The TLS and HTTP policy of one hostname (see the appliance's {@code HostnamePolicy} for the
 * fields and their rules). The store keeps the policy as the canonical JSON the appliance
 * validated, so the cluster replicates it without knowing its fields; the engine compiles it on
 * every node when the change event arrives.
 *
 * @param name      the hostname (normalized: lower case, no trailing dot; exact or {@code *.parent}), the store key
 * @param tenant    the tenant whose verified claim the name is (null when an admin set it for an unclaimed name)
 * @param policy    the policy as canonical JSON
 * @param updatedBy the token id of the last writer (audit)
 * @param updatedAt epoch milliseconds of the last write
 * @param revision  write revision (hybrid logical clock)
 */
public record HostnamePolicyRecord(String name, String tenant, String policy, String updatedBy, long updatedAt,
        long revision) {

    public HostnamePolicyRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(policy, "policy");
    }
}
