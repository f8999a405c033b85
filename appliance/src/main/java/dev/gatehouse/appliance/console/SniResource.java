package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.observe.SniExplainer;

/**
 * {@code GET /v1/sni/{name}}: which certificate and route this node would use for a name, and why.
 *
 * @param sni null on a console without a data plane (tests of the route table): 503
 */
record SniResource(SniExplainer sni) {

    ApiResponse explain(ApiRequest r, Principal w) throws ApiException, ServiceException {
        if (sni == null) {
            throw new ApiException(503, "engine-unavailable", "Service unavailable",
                    "this console has no data plane to explain", null);
        }
        return ApiResponse.ok(sni.explain(w, r.param("name")));
    }
}
