package dev.gatehouse.tls.policy;

import java.util.Arrays;

/**
 * Collects parsed networks and turns them into {@link CidrSet}'s search arrays: entries sorted by network then
 * prefix length, duplicates counted once, and overlapping, nested or adjacent intervals merged. Only primitive
 * arrays: a 10,000-entry list builds with two sorts and no per-entry object.
 */
final class CidrSetBuilder {

    /** IPv4 entries packed as {@code (network << 8) | prefixLength}, network unsigned, so one sort orders both. */
    private long[] v4 = new long[16];
    private int n4;
    /** IPv6 entries as {@code [hi, lo, prefixLength]} triples. */
    private long[] v6 = new long[48];
    private int n6;

    /** Adds {@code network/bits}; the network's host bits must already be clear. */
    void addIpv4(int network, int bits) {
        if (n4 == v4.length) {
            v4 = Arrays.copyOf(v4, n4 * 2);
        }
        v4[n4++] = (network & 0xffffffffL) << 8 | bits;
    }

    /** Adds {@code hi:lo/bits}; the network's host bits must already be clear. */
    void addIpv6(long hi, long lo, int bits) {
        if (3 * n6 == v6.length) {
            v6 = Arrays.copyOf(v6, v6.length * 2);
        }
        v6[3 * n6] = hi;
        v6[3 * n6 + 1] = lo;
        v6[3 * n6 + 2] = bits;
        n6++;
    }

    CidrSet build() {
        long[] e4 = Arrays.copyOf(v4, n4);
        Arrays.sort(e4); // non-negative values: signed order is (network, prefix) order
        int distinct = 0;
        int[] r4 = new int[2 * n4];
        long[] m = new long[2 * n4];
        int k = 0;
        for (int i = 0; i < n4; i++) {
            if (i > 0 && e4[i] == e4[i - 1]) {
                continue;
            }
            distinct++;
            long start = e4[i] >>> 8;
            long end = start | (~((long) CidrSet.v4Mask((int) (e4[i] & 0xff))) & 0xffffffffL);
            if (k > 0 && start <= m[k - 1] + 1) {
                m[k - 1] = Math.max(m[k - 1], end);
            } else {
                m[k++] = start;
                m[k++] = end;
            }
        }
        for (int i = 0; i < k; i++) {
            r4[i] = (int) m[i] ^ Integer.MIN_VALUE; // sign-flipped: signed order is unsigned address order
        }
        int[] order = sortedIpv6();
        long[] r6 = new long[4 * n6];
        int j = 0;
        for (int i = 0; i < n6; i++) {
            int e = order[i];
            long sHi = v6[3 * e];
            long sLo = v6[3 * e + 1];
            int bits = (int) v6[3 * e + 2];
            if (i > 0) {
                int p = order[i - 1];
                if (sHi == v6[3 * p] && sLo == v6[3 * p + 1] && bits == v6[3 * p + 2]) {
                    continue;
                }
            }
            distinct++;
            long eHi = sHi | ~CidrSet.v6MaskHi(bits);
            long eLo = sLo | ~CidrSet.v6MaskLo(bits);
            if (j > 0 && touches(r6[j - 2], r6[j - 1], sHi, sLo)) {
                if (greater(eHi, eLo, r6[j - 2], r6[j - 1])) {
                    r6[j - 2] = eHi;
                    r6[j - 1] = eLo;
                }
            } else {
                r6[j++] = sHi;
                r6[j++] = sLo;
                r6[j++] = eHi;
                r6[j++] = eLo;
            }
        }
        long[] flipped = Arrays.copyOf(r6, j);
        for (int i = 0; i < j; i++) {
            flipped[i] ^= Long.MIN_VALUE;
        }
        return new CidrSet(distinct, Arrays.copyOf(r4, k), flipped);
    }

    /** Indexes of the IPv6 entries in (network, prefix) order: a bottom-up merge sort on ints, no boxing. */
    private int[] sortedIpv6() {
        int[] a = new int[n6];
        for (int i = 0; i < n6; i++) {
            a[i] = i;
        }
        int[] b = new int[n6];
        for (int width = 1; width < n6; width *= 2) {
            for (int lo = 0; lo < n6; lo += 2 * width) {
                int mid = Math.min(lo + width, n6);
                int hi = Math.min(lo + 2 * width, n6);
                int x = lo;
                int y = mid;
                for (int out = lo; out < hi; out++) {
                    b[out] = y >= hi || (x < mid && compare(a[x], a[y]) <= 0) ? a[x++] : a[y++];
                }
            }
            int[] t = a;
            a = b;
            b = t;
        }
        return a;
    }

    private int compare(int x, int y) {
        int c = Long.compareUnsigned(v6[3 * x], v6[3 * y]);
        if (c == 0) {
            c = Long.compareUnsigned(v6[3 * x + 1], v6[3 * y + 1]);
        }
        return c != 0 ? c : Long.compare(v6[3 * x + 2], v6[3 * y + 2]);
    }

    /** True when an interval starting at {@code s} overlaps or directly follows one ending at {@code e}. */
    private static boolean touches(long eHi, long eLo, long sHi, long sLo) {
        if (!greater(sHi, sLo, eHi, eLo)) {
            return true;
        }
        long nLo = eLo + 1; // s > e: adjacent when s == e + 1
        long nHi = nLo == 0 ? eHi + 1 : eHi;
        return nHi == sHi && nLo == sLo;
    }

    static boolean greater(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c > 0 || (c == 0 && Long.compareUnsigned(aLo, bLo) > 0);
    }
}
