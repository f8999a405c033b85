package dev.gatehouse.tls.sni;

import java.util.concurrent.TimeUnit;

/**
 * Builds the key material of the bundles a name gets (ECDSA and RSA clients) before a test feeds an
 * {@code EmbeddedChannel}: the first handshake of a bundle otherwise waits for a builder thread, and
 * an embedded channel's loop, which claims every thread as its own, would then run the rest of the
 * handshake on that builder thread. Real event loops cover the asynchronous path (the ITs).
 */
final class KeyMaterialWarmup {

    private KeyMaterialWarmup() {
    }

    static void warm(CertificateRegistry registry, String... names) throws Exception {
        for (String name : names) {
            for (boolean ecdsa : new boolean[] {true, false}) {
                Served s = registry.select(name, ecdsa);
                if (s != null) {
                    registry.acquire(s).get(30, TimeUnit.SECONDS).release();
                }
            }
        }
    }
}
