package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.routing.RoutingService;
import dev.gatehouse.cluster.store.RouteRecord;
import dev.gatehouse.cluster.store.StoreException;

/** {@code /v1/routes} (admin): which pool a host name (or {@code *.parent}) goes to. */
record RouteResource(RoutingService routing) {

    /** {@code PUT /v1/routes/{host}}. */
    record Put(String pool) {
    }

    ApiResponse list(ApiRequest r, Principal w) throws ApiException, ServiceException {
        return ApiResponse.ok(Paging.page(r, w, "routes", routing.routes(w), RouteRecord::host, ConsoleViews::view));
    }

    ApiResponse put(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        Put b = r.body(Put.class);
        String host = r.param("host");
        return Revisions.write(r, routing, () -> current(w, host),
                () -> ApiResponse.ok(ConsoleViews.view(routing.putRoute(w, host, b.pool()))));
    }

    ApiResponse delete(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        String host = r.param("host");
        Revisions.change(r, routing, () -> current(w, host), () -> routing.deleteRoute(w, host));
        return ApiResponse.noContent();
    }

    /** The stored route for {@code rawHost} normalised as the service stores it. */
    private Long current(Principal w, String rawHost) throws ServiceException {
        String h = dev.gatehouse.tls.sni.Hostnames.normalizePattern(rawHost);
        return routing.routes(w).stream().filter(x -> x.host().equals(h)).map(RouteRecord::revision).findFirst()
                .orElse(null);
    }
}
