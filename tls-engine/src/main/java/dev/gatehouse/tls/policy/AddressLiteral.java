package dev.gatehouse.tls.policy;

/**
 * Reads IPv4 dotted-quad and IPv6 (RFC 4291 section 2.2) address literals by hand, so that no text is ever
 * handed to the resolver: {@code InetAddress.getByName} would look up anything it does not recognise as a
 * literal, and a policy file must never trigger DNS traffic. Stricter than the JDK where the JDK is ambiguous:
 * an IPv4 octet with a leading zero ({@code 010}) is refused, because some parsers read it as octal.
 */
final class AddressLiteral {

    private AddressLiteral() {
    }

    /** Why a literal was refused; the caller adds which entry it was. Carries no stack trace (it is expected). */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String reason) {
            super(reason, null, false, false);
        }
    }

    /** True for text made of digits and dots only: the only shape we read as IPv4 (anything else is a name). */
    static boolean isDottedDecimal(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return to > from;
    }

    /** Parses {@code a.b.c.d} in {@code s[from, to)} into the address as an int (first octet in the high byte). */
    static int ipv4(String s, int from, int to) throws Malformed {
        int value = 0;
        int octets = 0;
        int i = from;
        while (true) {
            int end = fieldEnd(s, '.', i, to, "empty IPv4 octet (expected 4 dot-separated decimal octets)");
            if (++octets > 4) {
                throw new Malformed("more than 4 IPv4 octets");
            }
            int octet = 0;
            for (int k = i; k < end; k++) {
                char c = s.charAt(k);
                if (c < '0' || c > '9') {
                    throw new Malformed("IPv4 octet '" + s.substring(i, end) + "' is not a decimal number");
                }
                if (end - i > 3) {
                    throw new Malformed("IPv4 octet '" + s.substring(i, end) + "' above 255");
                }
                octet = octet * 10 + (c - '0');
            }
            if (end - i > 1 && s.charAt(i) == '0') {
                throw new Malformed("IPv4 octet '" + s.substring(i, end)
                        + "' has a leading zero (ambiguous: octal to some parsers)");
            }
            if (octet > 255) {
                throw new Malformed("IPv4 octet '" + s.substring(i, end) + "' above 255");
            }
            value = (value << 8) | octet;
            if (end == to) {
                break;
            }
            i = end + 1;
        }
        if (octets != 4) {
            throw new Malformed("only " + octets + " IPv4 octets (expected 4 dot-separated decimal octets)");
        }
        return value;
    }

    /**
     * Parses an IPv6 literal ({@code 2001:db8::1}, {@code ::ffff:192.0.2.1}) into {@code out[0]} (high 64 bits)
     * and {@code out[1]} (low 64 bits). Zone indexes and brackets are refused: they have no meaning in a list of
     * networks.
     */
    static void ipv6(String s, long[] out) throws Malformed {
        if (s.indexOf('%') >= 0) {
            throw new Malformed("zone index ('%...') not accepted in a network");
        }
        if (s.indexOf('[') >= 0 || s.indexOf(']') >= 0) {
            throw new Malformed("brackets not accepted (write the bare address)");
        }
        int[] groups = new int[8];
        int dbl = s.indexOf("::");
        if (dbl < 0) {
            int n = groups(s, 0, s.length(), groups, true);
            if (n != 8) {
                throw new Malformed("only " + n + " IPv6 groups (expected 8, or '::' for a run of zeros)");
            }
        } else {
            if (s.indexOf("::", dbl + 1) >= 0) {
                throw new Malformed("'::' used more than once");
            }
            int[] head = new int[8];
            int[] tail = new int[8];
            int nh = dbl == 0 ? 0 : groups(s, 0, dbl, head, false);
            int nt = dbl + 2 == s.length() ? 0 : groups(s, dbl + 2, s.length(), tail, true);
            if (nh + nt > 7) {
                throw new Malformed("too many IPv6 groups around '::' (at most 7)");
            }
            System.arraycopy(head, 0, groups, 0, nh);
            System.arraycopy(tail, 0, groups, 8 - nt, nt);
        }
        long hi = 0;
        long lo = 0;
        for (int g = 0; g < 4; g++) {
            hi = (hi << 16) | groups[g];
            lo = (lo << 16) | groups[g + 4];
        }
        out[0] = hi;
        out[1] = lo;
    }

    /**
     * Where the field (an octet or a group) that starts at {@code i} ends: at the next {@code separator}
     * before {@code to}, or at {@code to}; refuses an empty field with {@code whenEmpty}.
     */
    private static int fieldEnd(String s, char separator, int i, int to, String whenEmpty) throws Malformed {
        int at = s.indexOf(separator, i);
        int end = at < 0 || at > to ? to : at;
        if (end == i) {
            throw new Malformed(whenEmpty);
        }
        return end;
    }

    /** Reads colon-separated groups of {@code s[from, to)} into {@code out}; returns how many 16-bit groups. */
    private static int groups(String s, int from, int to, int[] out, boolean ipv4AllowedLast) throws Malformed {
        int count = 0;
        int i = from;
        while (true) {
            int end = fieldEnd(s, ':', i, to, "empty IPv6 group (a stray ':')");
            if (s.indexOf('.', i) >= 0 && s.indexOf('.', i) < end) {
                if (!ipv4AllowedLast || end != to) {
                    throw new Malformed("embedded IPv4 part allowed only as the last 32 bits");
                }
                if (count + 2 > 8) {
                    throw new Malformed("more than 8 IPv6 groups");
                }
                int v4 = ipv4(s, i, end);
                out[count++] = v4 >>> 16;
                out[count++] = v4 & 0xffff;
            } else {
                if (end - i > 4) {
                    throw new Malformed("IPv6 group '" + s.substring(i, end) + "' longer than 4 hex digits");
                }
                int v = 0;
                for (int k = i; k < end; k++) {
                    int d = Character.digit(s.charAt(k), 16);
                    if (d < 0 || s.charAt(k) > 'f') {
                        throw new Malformed("IPv6 group '" + s.substring(i, end) + "' is not hexadecimal");
                    }
                    v = (v << 4) | d;
                }
                if (count == 8) {
                    throw new Malformed("more than 8 IPv6 groups");
                }
                out[count++] = v;
            }
            if (end == to) {
                return count;
            }
            i = end + 1;
        }
    }
}
