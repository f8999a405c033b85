package dev.gatehouse.appliance.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** A parsed Prometheus text exposition: every sample line as {@code name{labels}} → value. */
record Scrape(Map<String, Double> samples) {

    static Scrape parse(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            String key = line.substring(0, sp);
            if (key.contains("}")) {
                // values may be followed by a timestamp in OpenMetrics; ours are not
                key = key.substring(0, key.lastIndexOf('}') + 1);
            }
            out.put(key, Double.parseDouble(line.substring(sp + 1)));
        }
        return new Scrape(out);
    }

    /** The sample whose name is {@code name} and whose labels include every {@code k="v"} given. */
    double value(String name, String... labels) {
        Double found = null;
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            if (matches(e.getKey(), name, labels)) {
                if (found != null) {
                    throw new AssertionError("more than one sample matches " + name + " " + String.join(",", labels));
                }
                found = e.getValue();
            }
        }
        if (found == null) {
            throw new AssertionError("no sample " + name + " " + String.join(",", labels) + " in " + names());
        }
        return found;
    }

    /** The sum over every sample of {@code name} whose labels include those given. */
    double sum(String name, String... labels) {
        return samples.entrySet().stream().filter(e -> matches(e.getKey(), name, labels))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    long count(String name) {
        return samples.keySet().stream().filter(k -> nameOf(k).equals(name)).count();
    }

    /** Metric names (without labels). */
    Set<String> names() {
        Set<String> out = new TreeSet<>();
        samples.keySet().forEach(k -> out.add(nameOf(k)));
        return out;
    }

    static String nameOf(String key) {
        int b = key.indexOf('{');
        return b < 0 ? key : key.substring(0, b);
    }

    private static boolean matches(String key, String name, String... labels) {
        if (!nameOf(key).equals(name)) {
            return false;
        }
        for (String l : labels) {
            if (!key.contains(l)) {
                return false;
            }
        }
        return true;
    }
}
