package dev.gatehouse.appliance.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A console request after routing: path parameters, query parameters, the headers the API reads
 * (lower-case names: {@code authorization}, {@code if-match}, {@code idempotency-key}) and the raw
 * body.
 */
public record ApiRequest(String method, String path, Map<String, String> pathParams,
        Map<String, List<String>> query, Map<String, String> headers, byte[] body, String client) {

    public String param(String name) {
        return pathParams.get(name);
    }

    public String queryParam(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** A request header by its lower-case name, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    /** A boolean query parameter ({@code true}/{@code false}), false when absent; 400 otherwise. */
    public boolean flag(String name) throws ApiException {
        String v = queryParam(name);
        if (v == null || v.equals("false")) {
            return false;
        }
        if (v.equals("true")) {
            return true;
        }
        throw ApiException.badRequest("invalid-field", name, name + ": '" + v + "' (expected: true or false)");
    }

    /** The body bound to {@code type}, a record of the fields the route accepts (see {@link RequestBodies}). */
    public <T extends Record> T body(Class<T> type) throws ApiException {
        return RequestBodies.bind(json(), type);
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
}
