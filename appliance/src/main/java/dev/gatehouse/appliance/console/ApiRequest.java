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

    /** 400 naming the first field of {@code body} that is not one of {@code allowed}. */
    public static void onlyFields(JsonNode body, String... allowed) throws ApiException {
        List<String> ok = List.of(allowed);
        for (java.util.Iterator<String> it = body.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!ok.contains(f)) {
                throw ApiException.badRequest("invalid-field", f, f + ": unknown field (expected: "
                        + String.join(", ", ok) + ")");
            }
        }
    }

    /** A boolean field, or {@code dflt} when absent; 400 when present but not a boolean. */
    public static boolean bool(JsonNode body, String field, boolean dflt) throws ApiException {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw ApiException.badRequest("invalid-field", field, field + ": " + n.getNodeType().name().toLowerCase()
                    + " (expected: true or false)");
        }
        return n.asBoolean();
    }

    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("([0-9]{1,9})(s|m|h|d)");

    /** A duration field such as {@code 90d}, {@code 12h}, {@code 30m}, {@code 45s}, or null when absent. */
    public static java.time.Duration duration(JsonNode body, String field) throws ApiException {
        String v = text(body, field);
        if (v == null) {
            return null;
        }
        java.util.regex.Matcher m = DURATION.matcher(v.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw ApiException.badRequest("invalid-field", field, field + ": '" + v
                    + "' (expected: a positive duration such as 45s, 30m, 12h, 90d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> java.time.Duration.ofSeconds(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            default -> java.time.Duration.ofDays(n);
        };
    }

    /** An RFC 3339 instant field, or null when absent. */
    public static java.time.Instant instant(JsonNode body, String field) throws ApiException {
        String v = text(body, field);
        if (v == null) {
            return null;
        }
        try {
            return java.time.Instant.parse(v);
        } catch (java.time.format.DateTimeParseException e) {
            throw ApiException.badRequest("invalid-field", field, field + ": '" + v
                    + "' (expected: an RFC 3339 instant such as 2027-01-01T00:00:00Z)");
        }
    }
}
