package dev.gatehouse.tls.demo;

import dev.gatehouse.tls.cert.PemWriter;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** PEM for the demo and the tests: the production writer, {@link PemWriter}, under the name they use. */
public final class Pem {

    private Pem() {
    }

    public static byte[] certificates(List<X509Certificate> chain) {
        return PemWriter.certificates(chain);
    }

    public static byte[] privateKey(PrivateKey key) {
        return PemWriter.privateKey(key);
    }
}
