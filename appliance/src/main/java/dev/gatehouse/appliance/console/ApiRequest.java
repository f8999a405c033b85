package dev.gatehouse.appliance.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A console request after routing: path parameters, query parameters, the bearer header and the
 * raw body.
 */
public record ApiRequest(String method, String path, Map<String, String> pathParams,
        Map<String, List<String>> query, String authorization, byte[] body, String client) {

    public String param(String name) {
        return pathParams.get(name);
    }

    public String queryParam(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** The body as a JSON object; 400 problem when it is not one. */
    public JsonNode json() throws ApiException {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("malformed-json", null, "request body: empty (expected: a JSON object)");
        }
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n == null || !n.isObject()) {
                throw ApiException.badRequest("malformed-json", null, "request body: not a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw ApiException.badRequest("malformed-json", null, "request body: malformed JSON" + where);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("malformed-json", null, "request body: unreadable");
        }
    }

    /** A string field of the JSON body, or null when absent; 400 when present but not a string. */
    public static String text(JsonNode body, String field) throws ApiException {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw ApiException.badRequest("invalid-field", field, field + ": " + n.getNodeType().name().toLowerCase()
                    + " (expected: a string)");
        }
        return n.asText();
    }
}
