package dev.gatehouse.cluster.store;

import java.util.List;

/**
 * A backend pool managed through the API.
 *
 * @param policy      {@code round-robin} or {@code least-outstanding}
 * @param healthPath  active health check path, or null for none
 */
public record PoolRecord(String name, List<String> servers, String policy, String healthPath, long revision) {

    public PoolRecord {
        servers = List.copyOf(servers);
    }
}
