package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.observe.PoolHealth;
import dev.gatehouse.appliance.routing.RoutingService;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.cluster.store.StoreException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code /v1/pools} (admin): backend pools, each shown with this node's live health of its servers.
 *
 * @param poolHealth pool name → server views, null when no route uses the pool on this node
 */
record PoolResource(RoutingService routing, Function<String, List<Map<String, Object>>> poolHealth) {

    /** {@code PUT /v1/pools/{name}}. */
    record Put(@RequestBodies.Expected(value = "a list of host:port", element = "host:port strings") List<String> servers,
            String policy, String healthPath, String proxyProtocol) {
    }

    ApiResponse list(ApiRequest r, Principal w) throws ApiException, ServiceException {
        return ApiResponse.ok(Paging.page(r, w, "pools", routing.pools(w), PoolRecord::name, this::view));
    }

    ApiResponse put(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        Put b = r.body(Put.class);
        String name = r.param("name");
        return Revisions.write(r, routing, () -> current(w, name),
                () -> ApiResponse.ok(view(routing.putPool(w, name, b.servers(), b.policy(), b.healthPath(),
                        b.proxyProtocol()))));
    }

    ApiResponse delete(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        String name = r.param("name");
        Revisions.change(r, routing, () -> current(w, name), () -> routing.deletePool(w, name));
        return ApiResponse.noContent();
    }

    private Long current(Principal w, String name) throws ServiceException {
        return routing.pools(w).stream().filter(p -> p.name().equals(name)).map(PoolRecord::revision).findFirst()
                .orElse(null);
    }

    private ConsoleViews.Pool view(PoolRecord p) {
        List<Map<String, Object>> health = poolHealth.apply(p.name());
        return ConsoleViews.view(p, health != null ? health : PoolHealth.unrouted(p.servers()));
    }
}
