package dev.gatehouse.appliance.console;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A console response: status, content type, a JSON-serializable body (or null) and the few headers
 * a handler sets ({@code ETag}, {@code Idempotent-Replayed}); the connection adds the rest.
 */
public record ApiResponse(int status, Object body, String contentType, Map<String, String> headers) {

    public ApiResponse {
        headers = Map.copyOf(headers);
    }

    public ApiResponse(int status, Object body, String contentType) {
        this(status, body, contentType, Map.of());
    }

    public static ApiResponse ok(Object body) {
        return new ApiResponse(200, body, "application/json");
    }

    public static ApiResponse created(Object body) {
        return new ApiResponse(201, body, "application/json");
    }

    public static ApiResponse noContent() {
        return new ApiResponse(204, null, null);
    }

    /** This response with one more header (replacing one of the same name). */
    public ApiResponse withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new ApiResponse(status, body, contentType, h);
    }

    /** This response with {@code ETag: "revision"}, the value {@code If-Match} takes back. */
    public ApiResponse withETag(long revision) {
        return withHeader("ETag", Revisions.etag(revision));
    }

    public String header(String name) {
        return headers.get(name);
    }
}
