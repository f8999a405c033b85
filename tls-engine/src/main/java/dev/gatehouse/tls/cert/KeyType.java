package dev.gatehouse.tls.cert;

/**
 * The kind of private key a certificate carries. The engine serves at most one bundle of each
 * {@link Family} for a name and picks the one the client can verify.
 *
 * @param family RSA or ECDSA
 * @param bits   modulus size for RSA, field size for EC
 * @param curve  the named curve for EC keys ({@code P-256}, {@code P-384}, ...), {@code null} for RSA
 */
public record KeyType(Family family, int bits, String curve) {

    /** Signature family of the key. */
    public enum Family { RSA, ECDSA }

    public static KeyType rsa(int bits) {
        return new KeyType(Family.RSA, bits, null);
    }

    public static KeyType ec(String curve, int bits) {
        return new KeyType(Family.ECDSA, bits, curve);
    }

    @Override
    public String toString() {
        return family == Family.RSA ? "RSA-" + bits : "ECDSA-" + curve;
    }
}
