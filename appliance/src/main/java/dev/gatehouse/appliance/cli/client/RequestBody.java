package dev.gatehouse.appliance.cli.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A JSON request body built from a command's options: the fields it always sends, and the optional
 * ones only when their option was given, so that the console applies its own default for the rest
 * (as {@link ConsoleApiClient#query} does for query parameters). Fields keep the order they were put in.
 */
final class RequestBody {

    private final Map<String, Object> fields = new LinkedHashMap<>();

    /** A field the command always sends. */
    RequestBody put(String field, Object value) {
        fields.put(field, value);
        return this;
    }

    /** A field sent only when its option was given (not null). */
    RequestBody putIfGiven(String field, Object value) {
        if (value != null) {
            fields.put(field, value);
        }
        return this;
    }

    /** A flag sent (as {@code true}) only when it was given. */
    RequestBody putIfSet(String field, boolean flag) {
        return putIfGiven(field, flag ? Boolean.TRUE : null);
    }

    /** The body for {@link ConsoleApiClient#post} or {@link ConsoleApiClient#put}. */
    Map<String, Object> fields() {
        return fields;
    }
}
