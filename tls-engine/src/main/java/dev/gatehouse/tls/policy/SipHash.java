package dev.gatehouse.tls.policy;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012) of one or two 64-bit words, read as the 8- or 16-byte little-endian
 * message: a keyed hash, so that clients cannot choose addresses that share a rate-limit set with a victim's.
 * Written out here because the two fixed message lengths make it a few lines and allocation-free.
 */
final class SipHash {

    private SipHash() {
    }

    /** SipHash-2-4 of the 8-byte message {@code m} (little-endian bytes of the long). */
    static long hash(long k0, long k1, long m) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        long[] v = {v0, v1, v2, v3};
        compress(v, m);
        compress(v, 8L << 56);
        return finish(v);
    }

    /** SipHash-2-4 of the 16-byte message {@code m0} then {@code m1} (each little-endian). */
    static long hash(long k0, long k1, long m0, long m1) {
        long[] v = {k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL,
            k0 ^ 0x6c7967656e657261L, k1 ^ 0x7465646279746573L};
        compress(v, m0);
        compress(v, m1);
        compress(v, 16L << 56);
        return finish(v);
    }

    private static void compress(long[] v, long m) {
        v[3] ^= m;
        round(v);
        round(v);
        v[0] ^= m;
    }

    private static long finish(long[] v) {
        v[2] ^= 0xff;
        round(v);
        round(v);
        round(v);
        round(v);
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void round(long[] v) {
        v[0] += v[1];
        v[1] = Long.rotateLeft(v[1], 13);
        v[1] ^= v[0];
        v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3];
        v[3] = Long.rotateLeft(v[3], 16);
        v[3] ^= v[2];
        v[0] += v[3];
        v[3] = Long.rotateLeft(v[3], 21);
        v[3] ^= v[0];
        v[2] += v[1];
        v[1] = Long.rotateLeft(v[1], 17);
        v[1] ^= v[2];
        v[2] = Long.rotateLeft(v[2], 32);
    }
}
