package dev.gatehouse.tls.policy;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012) of one or two 64-bit words, read as the 8- or 16-byte little-endian
 * message: a keyed hash, so that clients cannot choose addresses that share a rate-limit set with a victim's.
 * Written out here because the two fixed message lengths make it a few lines and allocation-free.
 */
final class SipHash {

    private SipHash() {
    }

    private static final long C0 = 0x736f6d6570736575L;
    private static final long C1 = 0x646f72616e646f6dL;
    private static final long C2 = 0x6c7967656e657261L;
    private static final long C3 = 0x7465646279746573L;

    /** SipHash-2-4 of the 8-byte message {@code m} (little-endian bytes of the long). */
    static long hash(long k0, long k1, long m) {
        return hash(k0, k1, m, 0, false);
    }

    /** SipHash-2-4 of the 16-byte message {@code m0} then {@code m1} (each little-endian). */
    static long hash(long k0, long k1, long m0, long m1) {
        return hash(k0, k1, m0, m1, true);
    }

    /** The rounds written out on locals: no array, nothing allocated. */
    private static long hash(long k0, long k1, long m0, long m1, boolean twoWords) {
        long v0 = k0 ^ C0;
        long v1 = k1 ^ C1;
        long v2 = k0 ^ C2;
        long v3 = k1 ^ C3;
        int blocks = twoWords ? 3 : 2;
        for (int b = 0; b < blocks; b++) {
            long m = b == 0 ? m0 : (b == 1 && twoWords) ? m1 : (twoWords ? 16L : 8L) << 56;
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
