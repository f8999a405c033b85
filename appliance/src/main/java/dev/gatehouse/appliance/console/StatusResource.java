package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/** The probes ({@code /healthz}, {@code /readyz}), this API's OpenAPI document, and {@code /v1/status}. */
final class StatusResource {

    private final Function<Principal, Map<String, Object>> status;
    private final Supplier<Boolean> ready;

    /** @param status what {@code /v1/status} shows the caller (a tenant token sees only its own objects) */
    StatusResource(Function<Principal, Map<String, Object>> status, Supplier<Boolean> ready) {
        this.status = status;
        this.ready = ready;
    }

    ApiResponse health(ApiRequest r, Principal w) {
        return ApiResponse.ok(Map.of("status", "ok"));
    }

    /** Plain JSON even when not ready: load balancers read the status code, people the body. */
    ApiResponse ready(ApiRequest r, Principal w) {
        return ready.get()
                ? ApiResponse.ok(Map.of("status", "ready"))
                : new ApiResponse(503, Map.of("status", "not ready"), "application/json");
    }

    ApiResponse openApi(ApiRequest r, Principal w) {
        return new ApiResponse(200, OpenApi.document(), "application/json");
    }

    ApiResponse status(ApiRequest r, Principal w) {
        return ApiResponse.ok(status.apply(w));
    }
}
