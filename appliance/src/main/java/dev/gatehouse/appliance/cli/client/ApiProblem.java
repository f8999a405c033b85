package dev.gatehouse.appliance.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;

/**
 * An RFC 9457 problem document as the console sends it, reduced to what an operator needs:
 * {@code type} is the slug after {@code https://gatehouse.dev/problems/}.
 */
record ApiProblem(int status, String type, String title, String detail, String field) {

    /**
     * Reads a refusal; a response that is not a problem document (a proxy's error page, say)
     * still becomes one that names the status and the URL.
     */
    static ApiProblem of(int status, JsonNode body, URI uri) {
        if (body == null || !body.isObject() || !body.hasNonNull("detail")) {
            return new ApiProblem(status, "http-" + status, null,
                    "HTTP " + status + " without a problem document from " + uri, null);
        }
        String type = body.path("type").asText("about:blank");
        return new ApiProblem(status, type.substring(type.lastIndexOf('/') + 1), text(body, "title"),
                body.get("detail").asText(), text(body, "field"));
    }

    /** {@code 422 certificate-expired (field certificatePem): certificate expired: ...}. */
    String summary() {
        return status + " " + type + (field == null ? "" : " (field " + field + ")") + ": " + detail;
    }

    private static String text(JsonNode body, String name) {
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? null : n.asText();
    }
}
