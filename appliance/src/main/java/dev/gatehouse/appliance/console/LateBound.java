package dev.gatehouse.appliance.console;

import java.util.function.Supplier;

/**
 * A set of handlers the console is given after it is built (once, at boot: the hostname policies
 * and the event routes need parts that start after the console). Until then a request for them is
 * refused with 503 and a {@code type} and detail that say what is missing, instead of a null.
 */
final class LateBound<T> {

    /** The refusal until the handlers are set (a new exception each time: each has its own trace). */
    private final Supplier<ApiException> missing;
    /** Written once at boot; read by every request. */
    private volatile T value;

    LateBound(String type, String detail) {
        this.missing = () -> new ApiException(503, type, "Service unavailable", detail, null);
    }

    void set(T handlers) {
        this.value = handlers;
    }

    T get() throws ApiException {
        T v = value;
        if (v == null) {
            throw missing.get();
        }
        return v;
    }
}
