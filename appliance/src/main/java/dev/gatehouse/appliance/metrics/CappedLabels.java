package dev.gatehouse.appliance.metrics;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Label values of an unbounded set (tenants, host buckets), capped: the first {@code limit} values
 * seen get their own label value, every later one shares {@link #OTHER}, and a request with none (a
 * certificate from a directory, a host no certificate covers) gets {@link #NONE}. So the series count
 * stays bounded however many tenants and names the SaaS has. Lookups of a known value are one map
 * read; only admitting a new one takes the lock.
 */
final class CappedLabels {

    static final String OTHER = "_other";
    static final String NONE = "_none";

    private final int limit;
    private final ConcurrentHashMap<String, String> admitted = new ConcurrentHashMap<>();

    /** @param setting the configuration key that set the cap, for the error message */
    CappedLabels(String setting, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException(setting + ": " + limit + " (expected: >= 1)");
        }
        this.limit = limit;
    }

    /** The label value for {@code value} (null: none). */
    String of(String value) {
        if (value == null) {
            return NONE;
        }
        String v = admitted.get(value);
        return v != null ? v : admit(value);
    }

    private synchronized String admit(String value) {
        String v = admitted.get(value);
        if (v != null) {
            return v;
        }
        if (admitted.size() >= limit) {
            return OTHER;
        }
        admitted.put(value, value);
        return value;
    }

    int admittedCount() {
        return admitted.size();
    }
}
