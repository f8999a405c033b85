package dev.gatehouse.appliance.config;

/**
 * One thing wrong with a configuration file.
 *
 * @param path     where, e.g. {@code pools[0].servers[1]}
 * @param value    what was found (as written), or {@code null} when the field is missing
 * @param expected what would have been accepted
 */
public record ConfigProblem(String path, String value, String expected) {

    @Override
    public String toString() {
        return path + ": " + (value == null ? "missing" : "'" + value + "'") + " (expected: " + expected + ")";
    }
}
