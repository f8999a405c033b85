package dev.gatehouse.tls.policy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Reads an address's bits for the per-request lookups without the copy {@link InetAddress#getAddress()} makes
 * each time (a new array per call, which escape analysis does not remove at a call site that sees both
 * families). For IPv4 the JDK's {@link Inet4Address#hashCode()} is the address itself; that is not in its
 * contract, so it is checked once at start-up against {@code getAddress()} and used only when it holds.
 */
final class AddressBits {

    /** True when {@code Inet4Address.hashCode()} is the 32-bit address on this JVM (OpenJDK: always). */
    static final boolean IPV4_HASH_IS_ADDRESS = checkIpv4Hash();

    private AddressBits() {
    }

    /** The IPv4 address as an int, first octet in the high byte. */
    static int ipv4(Inet4Address address) {
        return IPV4_HASH_IS_ADDRESS ? address.hashCode() : int32(address.getAddress(), 0);
    }

    static int int32(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }

    static long int64(byte[] b, int off) {
        return (long) int32(b, off) << 32 | (int32(b, off + 4) & 0xffffffffL);
    }

    private static boolean checkIpv4Hash() {
        int[] samples = {0, -1, 0x01020304, 0x80000001, 0x7fffffff, 0x0a141e28, 0xc0a80001, 0xfe00ff00};
        try {
            for (int a : samples) {
                byte[] b = {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
                InetAddress address = InetAddress.getByAddress(b);
                if (!(address instanceof Inet4Address) || address.hashCode() != a) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
