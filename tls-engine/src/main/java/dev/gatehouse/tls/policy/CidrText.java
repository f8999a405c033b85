package dev.gatehouse.tls.policy;

import java.util.List;

/**
 * Text of networks: an interval of addresses as the fewest CIDR blocks that cover exactly it (as
 * {@code netaddr.cidr_merge} or {@code aggregate} print a list), IPv4 dotted, IPv6 in RFC 5952 form.
 */
final class CidrText {

    private CidrText() {
    }

    /** Appends the blocks covering {@code [start, end]} (unsigned 32-bit values in longs). */
    static void ipv4Blocks(long start, long end, List<String> out) {
        long s = start;
        while (s <= end) {
            int align = s == 0 ? 32 : Long.numberOfTrailingZeros(s);
            int fit = 63 - Long.numberOfLeadingZeros(end - s + 1);
            int size = Math.min(align, fit);
            out.add(ipv4((int) s) + "/" + (32 - size));
            s += 1L << size;
        }
    }

    /** Appends the blocks covering {@code [sHi:sLo, eHi:eLo]} (unsigned 128-bit values). */
    static void ipv6Blocks(long sHi, long sLo, long eHi, long eLo, List<String> out) {
        long hi = sHi;
        long lo = sLo;
        while (true) {
            int align = lo != 0 ? Long.numberOfTrailingZeros(lo) : hi != 0 ? 64 + Long.numberOfTrailingZeros(hi) : 128;
            // length - 1 = end - start (128-bit), so the largest fitting block is 2^floor(log2(end - start + 1))
            long dLo = eLo - lo;
            long dHi = eHi - hi - (Long.compareUnsigned(eLo, lo) < 0 ? 1 : 0);
            long nLo = dLo + 1;
            long nHi = nLo == 0 ? dHi + 1 : dHi;
            int fit = nHi == 0 && nLo == 0 ? 128 // the whole space: 2^128 addresses
                    : nHi != 0 ? 127 - Long.numberOfLeadingZeros(nHi) : 63 - Long.numberOfLeadingZeros(nLo);
            int size = Math.min(align, fit);
            out.add(ipv6(hi, lo) + "/" + (128 - size));
            if (size == 128) {
                return;
            }
            // start += 2^size, stopping after the block that reaches the end
            if (size >= 64) {
                hi += 1L << (size - 64);
            } else {
                long next = lo + (1L << size);
                if (Long.compareUnsigned(next, lo) < 0) {
                    hi++;
                }
                lo = next;
            }
            if ((hi == 0 && lo == 0) || CidrSetBuilder.greater(hi, lo, eHi, eLo)) {
                return;
            }
        }
    }

    static String ipv4(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 0xff) + "." + (a >>> 8 & 0xff) + "." + (a & 0xff);
    }

    /** RFC 5952 section 4: lower case, no leading zeros, the first longest run (two or more) of zero groups as "::". */
    static String ipv6(long hi, long lo) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            g[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
