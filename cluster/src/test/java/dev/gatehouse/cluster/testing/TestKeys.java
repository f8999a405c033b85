package dev.gatehouse.cluster.testing;

import java.util.Arrays;

/** Sealing keys for tests: distinct keys by number, the same bytes on every run. */
public final class TestKeys {

    private TestKeys() {
    }

    /** A 32-byte key with every byte {@code b}. */
    public static byte[] filled(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return k;
    }
}
