package dev.gatehouse.cluster.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A backend pool managed through the API.
 *
 * @param policy        {@code round-robin} or {@code least-outstanding}
 * @param healthPath    active health check path, or null for none
 * @param proxyProtocol the PROXY protocol header its backend connections start with ({@code v1} or
 *                      {@code v2}), or null for none; left out of the JSON when null, so a pool without
 *                      one is written exactly as before the field existed
 */
public record PoolRecord(String name, List<String> servers, String policy, String healthPath, long revision,
        @JsonInclude(JsonInclude.Include.NON_NULL) String proxyProtocol) {

    public PoolRecord {
        servers = List.copyOf(servers);
    }

    /** A pool without a PROXY protocol header. */
    public PoolRecord(String name, List<String> servers, String policy, String healthPath, long revision) {
        this(name, servers, policy, healthPath, revision, null);
    }
}
