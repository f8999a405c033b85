package dev.gatehouse.appliance.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.logging.LogLevels;

/**
 * {@code /v1/log-levels} (admin): this node's logger levels, changed at run time. Per node and not
 * stored, so a level has no revision and {@code If-Match} does not apply.
 */
record LogLevelResource(LogLevels levels) {

    /** {@code PUT /v1/log-levels/{logger}}: {@code level} null inherits the parent's. */
    record Put(String level) {
    }

    ApiResponse list(ApiRequest r, Principal w) throws ApiException, ServiceException {
        return ApiResponse.ok(Paging.page(r, w, "log-levels", levels.list(w), LogLevels.Setting::logger,
                LogLevels.Setting::view));
    }

    ApiResponse put(ApiRequest r, Principal w) throws ApiException, ServiceException {
        JsonNode b = r.json();
        Put put = RequestBodies.bind(b, Put.class);
        if (!b.has("level")) { // null is a value here (inherit), so absent is told apart on the tree
            throw ApiException.unprocessable("invalid-field", "level", "level: missing (expected: one of "
                    + String.join(", ", LogLevels.LEVELS) + ", or null to inherit)");
        }
        return ApiResponse.ok(levels.set(w, r.param("logger"), put.level()).view());
    }
}
