package dev.gatehouse.appliance.console;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Request bodies bound by Jackson into records: unknown fields refused, no silent coercion (a number
 * is not a string, {@code "true"} is not a boolean, a list holds no nulls), and every refusal
 * rendered as the console always has: {@code field: what it was (expected: what it should be)},
 * 400 {@code invalid-field} naming the field. What a field expects is said by its record
 * component's {@link Expected}, or by its type.
 */
final class RequestBodies {

    /** What a request field expects, for the refusal; {@code element}: what each list element must be. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER})
    @interface Expected {
        String value();

        String element() default "strings";
    }

    private static final ObjectMapper STRICT = strict();

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(s|m|h|d)");

    private RequestBodies() {
    }

    private static ObjectMapper strict() {
        JsonMapper m = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        m.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Boolean)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        m.configOverride(List.class).setSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL));
        return m;
    }

    static <T extends Record> T bind(JsonNode body, Class<T> type) throws ApiException {
        try {
            return STRICT.treeToValue(body, type);
        } catch (UnrecognizedPropertyException e) {
            String f = e.getPropertyName();
            throw ApiException.badRequest("invalid-field", f, f + ": unknown field (expected: "
                    + String.join(", ", fields(type)) + ")");
        } catch (MismatchedInputException e) {
            throw mismatch(body, type, e);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed-json", null, "request body: " + e.getOriginalMessage());
        }
    }

    /** The fields a body may have, in the record's order. */
    static List<String> fields(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
    }

    private static ApiException mismatch(JsonNode body, Class<? extends Record> type, MismatchedInputException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        if (path.isEmpty() || path.get(0).getFieldName() == null) {
            return ApiException.badRequest("malformed-json", null, "request body: " + e.getOriginalMessage());
        }
        String f = path.get(0).getFieldName();
        RecordComponent c = Arrays.stream(type.getRecordComponents()).filter(rc -> rc.getName().equals(f)).findFirst()
                .orElse(null);
        Expected ex = c == null ? null : c.getAnnotation(Expected.class);
        JsonNode value = body.get(f);
        if (path.size() > 1 && path.get(1).getIndex() >= 0 && value != null) {
            return ApiException.badRequest("invalid-field", f, f + ": " + value.get(path.get(1).getIndex())
                    + " (expected: " + (ex != null ? ex.element() : "strings") + ")");
        }
        String expected = ex != null ? ex.value() : c == null ? "a valid value" : byType(c.getType());
        String was = value == null ? "missing" : value.getNodeType().name().toLowerCase(Locale.ROOT);
        return ApiException.badRequest("invalid-field", f, f + ": " + was + " (expected: " + expected + ")");
    }

    private static String byType(Class<?> t) {
        if (t == String.class) {
            return "a string";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        }
        if (List.class.isAssignableFrom(t)) {
            return "a list";
        }
        return "a " + t.getSimpleName().toLowerCase(Locale.ROOT);
    }

    /** A duration such as {@code 90d}, {@code 12h}, {@code 30m}, {@code 45s}, or null when absent. */
    static Duration duration(String field, String v) throws ApiException {
        if (v == null) {
            return null;
        }
        Matcher m = DURATION.matcher(v.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw ApiException.badRequest("invalid-field", field, field + ": '" + v
                    + "' (expected: a positive duration such as 45s, 30m, 12h, 90d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** An RFC 3339 instant, or null when absent. */
    static Instant instant(String field, String v) throws ApiException {
        if (v == null) {
            return null;
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("invalid-field", field, field + ": '" + v
                    + "' (expected: an RFC 3339 instant such as 2027-01-01T00:00:00Z)");
        }
    }
}
