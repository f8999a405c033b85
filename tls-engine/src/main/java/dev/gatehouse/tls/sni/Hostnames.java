package dev.gatehouse.tls.sni;

import java.util.Locale;

/**
 * DNS host name rules shared by the SNI index, the certificate parser and the router.
 *
 * <p>Names are compared in their A-label (punycode) form, lower-cased with {@link Locale#ROOT}, with
 * one trailing dot ignored (RFC 6066 §3 forbids it in SNI, but clients and configs send it). A
 * wildcard is a whole left-most label {@code *} over a parent with at least two labels
 * (RFC 6125 §6.4.3): {@code *.example.com} is valid, {@code *.com} and {@code a*.example.com} are not.
 */
public final class Hostnames {

    private static final int MAX_NAME = 253;
    private static final int MAX_LABEL = 63;

    private Hostnames() {
    }

    /**
     * Returns the canonical form of a host name, or {@code null} when it is not a valid DNS host
     * name (wrong characters, empty or over-long labels, non-ASCII U-labels).
     */
    public static String normalize(String name) {
        if (name == null) {
            return null;
        }
        int len = name.length();
        if (len > 0 && name.charAt(len - 1) == '.') {
            len--;
        }
        if (len == 0 || len > MAX_NAME) {
            return null;
        }
        char[] out = null;
        int labelStart = 0;
        for (int i = 0; i < len; i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (out == null) {
                    out = name.substring(0, len).toCharArray();
                }
                out[i] = (char) (c + ('a' - 'A'));
            } else if (c == '.') {
                if (!validLabel(name, labelStart, i)) {
                    return null;
                }
                labelStart = i + 1;
            } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return null;
            }
        }
        if (!validLabel(name, labelStart, len)) {
            return null;
        }
        if (out != null) {
            return new String(out);
        }
        return len == name.length() ? name : name.substring(0, len);
    }

    private static boolean validLabel(String name, int start, int end) {
        int n = end - start;
        return n >= 1 && n <= MAX_LABEL && name.charAt(start) != '-' && name.charAt(end - 1) != '-';
    }

    /**
     * Canonical form of a certificate or route name that may be a wildcard ({@code *.example.com}),
     * or {@code null} when invalid.
     */
    public static String normalizePattern(String pattern) {
        if (pattern == null) {
            return null;
        }
        if (pattern.startsWith("*.")) {
            String parent = normalize(pattern.substring(2));
            if (parent == null || parent.indexOf('.') < 0) {
                return null;
            }
            return "*." + parent;
        }
        return normalize(pattern);
    }

    /** True for a normalized wildcard pattern such as {@code *.example.com}. */
    public static boolean isWildcard(String normalizedPattern) {
        return normalizedPattern.startsWith("*.");
    }

    /**
     * The parent a one-label wildcard would have to cover for this (normalized) name:
     * {@code example.com} for {@code a.example.com}; {@code null} when the name is too short for any
     * wildcard to apply ({@code example.com} is not covered by {@code *.com}, which is never valid).
     */
    public static String wildcardParent(String normalizedName) {
        int dot = normalizedName.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        String parent = normalizedName.substring(dot + 1);
        return parent.indexOf('.') < 0 ? null : parent;
    }

    /** True when {@code pattern} (normalized, exact or wildcard) covers {@code name} (normalized). */
    public static boolean covers(String pattern, String name) {
        if (isWildcard(pattern)) {
            String parent = wildcardParent(name);
            return parent != null && parent.equals(pattern.substring(2));
        }
        return pattern.equals(name);
    }

    /**
     * A Host / {@code :authority} value without its port: {@code shop.example:8443} → {@code shop.example},
     * {@code [2001:db8::1]:443} → {@code [2001:db8::1]}; a bare IPv6 literal (several colons, no brackets)
     * and a value without a port are returned as they are. The one place host:port is split on the data path.
     */
    public static String withoutPort(String host) {
        if (host == null) {
            return null;
        }
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.lastIndexOf(':');
        return colon >= 0 && host.indexOf(':') == colon ? host.substring(0, colon) : host;
    }
}
