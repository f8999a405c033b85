package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.Supplier;

/** {@code POST /v1/access-log/reopen} (admin): reopen the access log file after rotation. */
final class AccessLogResource {

    /** Reopens the access log and describes it; null while the access log is off. Set once at boot. */
    private volatile Supplier<Map<String, Object>> reopen;

    /**
     * What the route does: reopen the file (waiting for the writer) and return its state; it throws
     * {@link UncheckedIOException} when the file could not be reopened (500).
     */
    void reopenWith(Supplier<Map<String, Object>> reopen) {
        this.reopen = reopen;
    }

    ApiResponse reopen(ApiRequest r, Principal w) throws ApiException {
        Supplier<Map<String, Object>> s = reopen;
        if (s == null) {
            throw ApiException.conflict("access-log-disabled", null,
                    "this node writes no access log (accessLog.enabled: false)");
        }
        try {
            return ApiResponse.ok(s.get());
        } catch (UncheckedIOException e) {
            throw new ApiException(500, "access-log-reopen-failed", "Access log not reopened",
                    e.getCause().getMessage() + "; lines keep going to the file open before", null);
        }
    }
}
