package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.tls.net.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads typed values out of a YAML/JSON tree, recording a {@link ConfigProblem} (path, value,
 * expectation) for each bad or unknown field instead of stopping at the first one.
 */
final class ConfigReader {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|B|KiB|MiB|GiB|KB|MB|GB)");
    /** Longest duration any setting takes (ten years); see {@link #duration}. */
    static final Duration MAX_DURATION = Duration.ofDays(3650);

    private final List<ConfigProblem> problems = new ArrayList<>();

    List<ConfigProblem> problems() {
        return problems;
    }

    void problem(String path, JsonNode value, String expected) {
        problems.add(new ConfigProblem(path, value == null || value.isMissingNode() ? null : text(value), expected));
    }

    private static String text(JsonNode n) {
        return n.isValueNode() ? n.asText() : n.toString();
    }

    /** Reports fields of {@code node} that are not in {@code known}. */
    void onlyKnown(String path, JsonNode node, Set<String> known) {
        if (node == null || !node.isObject()) {
            return;
        }
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (!known.contains(f)) {
                problem(join(path, f), node.get(f), "one of " + new java.util.TreeSet<>(known) + " (unknown field)");
            }
        }
    }

    /**
     * {@code parent.field} read by {@code value} when it is {@code valid}; {@code dflt} when it is absent or
     * null, and (reported as expecting {@code expected}) when it is not valid.
     */
    private <T> T scalar(String path, JsonNode parent, String field, T dflt, Predicate<JsonNode> valid,
            String expected, Function<JsonNode, T> value) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!valid.test(n)) {
            problem(join(path, field), n, expected);
            return dflt;
        }
        return value.apply(n);
    }

    String string(String path, JsonNode parent, String field, String dflt) {
        return scalar(path, parent, field, dflt, JsonNode::isValueNode, "a string", JsonNode::asText);
    }

    boolean bool(String path, JsonNode parent, String field, boolean dflt) {
        return scalar(path, parent, field, dflt, n -> asBoolean(n) != null, "true or false", ConfigReader::asBoolean);
    }

    /** {@code n} as a boolean, or null when it is none; yes/on: YAML 1.1 booleans, still accepted where a boolean is expected. */
    private static Boolean asBoolean(JsonNode n) {
        if (n.isTextual() && Yaml12Booleans.YAML11_TRUE.contains(n.asText())) {
            return true;
        }
        if (n.isTextual() && Yaml12Booleans.YAML11_FALSE.contains(n.asText())) {
            return false;
        }
        return n.isBoolean() ? n.asBoolean() : null;
    }

    int integer(String path, JsonNode parent, String field, int dflt, int min, int max) {
        return scalar(path, parent, field, dflt,
                n -> n.canConvertToInt() && n.isIntegralNumber() && n.asInt() >= min && n.asInt() <= max,
                "an integer in " + min + ".." + max, JsonNode::asInt);
    }

    Duration duration(String path, JsonNode parent, String field, Duration dflt) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        Matcher m = DURATION.matcher(n.asText().trim());
        if (!n.isValueNode() || !m.matches() || m.group(1).matches("0+")) {
            problem(join(path, field), n, "a positive duration such as 500ms, 10s, 5m, 1h, 30d");
            return dflt;
        }
        Duration d = null;
        try {
            long v = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(v);
                case "s" -> Duration.ofSeconds(v);
                case "m" -> Duration.ofMinutes(v);
                case "d" -> Duration.ofDays(v);
                default -> Duration.ofHours(v);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            d = null; // more digits than a long holds, or more seconds than a Duration
        }
        // the cap keeps every later sum, multiple and toMillis() of a configured duration in range
        if (d == null || d.compareTo(MAX_DURATION) > 0) {
            problem(join(path, field), n, "a duration of at most 3650d");
            return dflt;
        }
        return d;
    }

    /**
     * A duration, or null for {@code off} (any case) and {@code false}: a field that documents
     * {@code off} takes both, since YAML 1.1 readers and writers turn one into the other.
     */
    Duration durationOrOff(String path, JsonNode parent, String field, Duration dflt) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n != null && ((n.isBoolean() && !n.asBoolean()) || (n.isTextual() && "off".equalsIgnoreCase(n.asText())))) {
            return null;
        }
        int before = problems.size();
        Duration d = duration(path, parent, field, dflt);
        if (problems.size() > before) {
            ConfigProblem p = problems.remove(problems.size() - 1);
            problems.add(new ConfigProblem(p.path(), p.value(), p.expected() + ", or off"));
        }
        return d;
    }

    /**
     * A duration of at least {@code min}; zero and anything shorter are reported as
     * {@code path: 'value' (expected: >= min)}.
     */
    Duration duration(String path, JsonNode parent, String field, Duration dflt, Duration min) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n != null && n.isValueNode()) {
            Matcher m = DURATION.matcher(n.asText().trim());
            if (m.matches() && Long.parseLong(m.group(1)) == 0) {
                problem(join(path, field), n, ">= " + human(min));
                return dflt;
            }
        }
        Duration d = duration(path, parent, field, dflt);
        if (n != null && d != null && d.compareTo(min) < 0) {
            problem(join(path, field), n, ">= " + human(min));
            return dflt;
        }
        return d;
    }

    long size(String path, JsonNode parent, String field, long dflt) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        Matcher m = SIZE.matcher(n.asText().trim());
        if (!n.isValueNode() || !m.matches()) {
            problem(join(path, field), n, "a size such as 16384, 64KiB, 64MiB, 1GB");
            return dflt;
        }
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), switch (m.group(2)) {
                case "KiB" -> 1024L;
                case "MiB" -> 1024L * 1024;
                case "GiB" -> 1024L * 1024 * 1024;
                case "KB" -> 1000L;
                case "MB" -> 1000L * 1000;
                case "GB" -> 1000L * 1000 * 1000;
                default -> 1L;
            });
        } catch (NumberFormatException | ArithmeticException e) {
            // more digits than a long holds, or a multiple that overflows: never a silently wrapped size
            problem(join(path, field), n, "a size below 8EiB");
            return dflt;
        }
    }

    /** A file system path, or null (with a problem) for text no path can be made of, e.g. with a NUL. */
    Path path(String at, JsonNode value, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            problem(at, value, "a file system path (" + e.getReason() + ")");
            return null;
        }
    }

    /** A {@code host:port} (or {@code off} when {@code allowOff}); returns null for off or invalid. */
    InetSocketAddress address(String path, JsonNode parent, String field, String dflt, boolean allowOff) {
        JsonNode raw = parent == null ? null : parent.get(field);
        if (allowOff && raw != null && raw.isBoolean() && !raw.asBoolean()) {
            return null; // YAML 1.1 reads an unquoted off as false
        }
        String v = string(path, parent, field, dflt);
        if (v == null || (allowOff && "off".equalsIgnoreCase(v))) {
            return null;
        }
        InetSocketAddress a = parseAddress(v);
        if (a == null) {
            problem(join(path, field), parent == null || parent.get(field) == null
                    ? com.fasterxml.jackson.databind.node.TextNode.valueOf(v) : parent.get(field),
                    "host:port with an IP address and a port 0-65535" + (allowOff ? ", or off" : ""));
        }
        return a;
    }

    static InetSocketAddress parseAddress(String v) {
        dev.gatehouse.tls.net.HostPort hp = dev.gatehouse.tls.net.HostPort.parse(v);
        if (hp == null || v.lastIndexOf(':') == 0) {
            return null;
        }
        String host = hp.host();
        try {
            if (!isIpv4(host) && !host.matches("[0-9a-fA-F:]*:[0-9a-fA-F:]*") && !host.equals("localhost")) {
                return null; // listeners take addresses, not names that need DNS at start
            }
            return new InetSocketAddress(InetAddress.getByName(host), hp.port());
        } catch (UnknownHostException e) {
            return null;
        }
    }

    static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** {@code 60s}, {@code 500ms}: durations as the file writes them. */
    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** A list field as bound: empty when absent (or refused for not being a list). */
    static <T> List<T> orEmpty(List<T> bound) {
        return bound == null ? List.of() : bound;
    }

    /**
     * A list of networks as bound ({@code metrics.allow}, {@code listeners.proxyProtocol.from}):
     * each entry an address or CIDR; an entry that is neither is a problem at {@code path[i]}
     * (its value read from {@code raw}, the list as written) and is left out.
     */
    List<Cidr> networks(String path, List<String> bound, JsonNode raw, String expected) {
        List<Cidr> out = new ArrayList<>();
        List<String> nets = orEmpty(bound);
        for (int i = 0; i < nets.size(); i++) {
            Cidr c = nets.get(i) == null ? null : Cidr.parse(nets.get(i)).orElse(null);
            if (c != null) {
                out.add(c);
            } else {
                problem(path + "[" + i + "]", raw.path(i), expected);
            }
        }
        return List.copyOf(out);
    }

    /** Whether {@code n} is a written value: neither absent, null, a mapping nor a list. */
    static boolean isScalar(JsonNode n) {
        return n != null && n.isValueNode() && !n.isNull();
    }

    <E extends Enum<E>> E enumValue(String path, JsonNode parent, String field, Class<E> type, E dflt) {
        String v = string(path, parent, field, null);
        if (v == null) {
            return dflt;
        }
        try {
            return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                names.add(c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            problem(join(path, field), parent.get(field), "one of " + names);
            return dflt;
        }
    }

    static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
