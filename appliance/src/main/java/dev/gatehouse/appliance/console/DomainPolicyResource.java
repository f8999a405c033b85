package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.policy.HostnamePolicy;
import dev.gatehouse.appliance.policy.PolicyService;
import dev.gatehouse.cluster.store.HostnamePolicyRecord;
import dev.gatehouse.cluster.store.StoreException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The handlers of {@code /v1/domains/{name}/policy}: the body is the policy document itself
 * ({@link HostnamePolicy}); answers carry it under {@code policy} with the name, owner and revision.
 * The routes are in {@link ConsoleApi}'s table.
 */
public final class DomainPolicyResource {

    private final PolicyService policies;

    public DomainPolicyResource(PolicyService policies) {
        this.policies = policies;
    }

    ApiResponse get(ApiRequest r, Principal w) throws ServiceException {
        return ApiResponse.ok(view(policies.get(w, r.param("name"))));
    }

    ApiResponse put(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        HostnamePolicy p = HostnamePolicy.parse(r.json());
        return ApiResponse.ok(view(policies.put(w, r.param("name"), p)));
    }

    ApiResponse delete(ApiRequest r, Principal w) throws ServiceException, StoreException {
        policies.delete(w, r.param("name"));
        return ApiResponse.noContent();
    }

    static Map<String, Object> view(HostnamePolicyRecord r) throws ServiceException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("tenant", r.tenant());
        m.put("revision", String.valueOf(r.revision()));
        m.put("updatedAt", Instant.ofEpochMilli(r.updatedAt()).toString());
        m.put("policy", HostnamePolicy.fromStored(r.policy()).toJson());
        return m;
    }
}
