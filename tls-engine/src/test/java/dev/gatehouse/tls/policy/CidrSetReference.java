package dev.gatehouse.tls.policy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** The obvious linear scan over byte arrays, as the reference {@link CidrSet} must agree with. */
final class CidrSetReference {

    private final List<byte[]> nets;
    private final List<Integer> bits;

    CidrSetReference(List<byte[]> nets, List<Integer> bits) {
        this.nets = nets;
        this.bits = bits;
    }

    boolean contains(byte[] address) {
        byte[] a = address;
        if (a.length == 16 && isMapped(a)) {
            a = java.util.Arrays.copyOfRange(a, 12, 16);
        }
        for (int i = 0; i < nets.size(); i++) {
            byte[] n = nets.get(i);
            int b = bits.get(i);
            if (n.length == 16 && isMapped(n) && b >= 96) {
                n = java.util.Arrays.copyOfRange(n, 12, 16);
                b -= 96;
            }
            if (n.length == a.length && samePrefix(n, a, b)) {
                return true;
            }
        }
        return false;
    }

    private static boolean samePrefix(byte[] x, byte[] y, int bits) {
        int whole = bits / 8;
        for (int i = 0; i < whole; i++) {
            if (x[i] != y[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        int mask = (0xff00 >>> rest) & 0xff;
        return rest == 0 || (x[whole] & mask) == (y[whole] & mask);
    }

    private static boolean isMapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** JDK text of raw address bytes (never a lookup: getByAddress takes bytes). */
    static String text(byte[] a) {
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
