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

    // the usual types, one instance each: a node holding 100,000 bundles keeps 100,000 references, not copies
    private static final KeyType RSA_2048 = new KeyType(Family.RSA, 2048, null);
    private static final KeyType RSA_3072 = new KeyType(Family.RSA, 3072, null);
    private static final KeyType RSA_4096 = new KeyType(Family.RSA, 4096, null);
    private static final KeyType EC_P256 = new KeyType(Family.ECDSA, 256, "P-256");
    private static final KeyType EC_P384 = new KeyType(Family.ECDSA, 384, "P-384");

    public static KeyType rsa(int bits) {
        return switch (bits) {
            case 2048 -> RSA_2048;
            case 3072 -> RSA_3072;
            case 4096 -> RSA_4096;
            default -> new KeyType(Family.RSA, bits, null);
        };
    }

    public static KeyType ec(String curve, int bits) {
        if (bits == 256 && "P-256".equals(curve)) {
            return EC_P256;
        }
        if (bits == 384 && "P-384".equals(curve)) {
            return EC_P384;
        }
        return new KeyType(Family.ECDSA, bits, curve);
    }

    @Override
    public String toString() {
        return family == Family.RSA ? "RSA-" + bits : "ECDSA-" + curve;
    }
}
