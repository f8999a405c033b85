package dev.gatehouse.appliance.console;

/** A console response: status, content type and a JSON-serializable body (or null). */
public record ApiResponse(int status, Object body, String contentType) {

    public static ApiResponse ok(Object body) {
        return new ApiResponse(200, body, "application/json");
    }

    public static ApiResponse created(Object body) {
        return new ApiResponse(201, body, "application/json");
    }

    public static ApiResponse noContent() {
        return new ApiResponse(204, null, null);
    }
}
