package dev.gatehouse.tls.sni;

import io.netty.buffer.ByteBuf;

/**
 * What the engine needs from a ClientHello beyond the server name: whether the client can verify
 * an ECDSA certificate, so that a name with both an RSA and an ECDSA certificate gets the one the
 * client supports (ECDSA preferred, as HAProxy and nginx do).
 *
 * <p>RFC 8446 §4.2.3 (signature_algorithms) and §4.2.1 (supported_versions); for TLS 1.2 the cipher
 * suite also names the certificate's key type (RFC 5289), so a 1.2-only client needs an
 * ECDHE_ECDSA suite too.
 *
 * @param ecdsaSupported the client offered an ECDSA signature scheme (and, if it is TLS 1.2 only, an
 *                       ECDHE_ECDSA suite)
 * @param tls13          the client offered TLS 1.3 in supported_versions
 * @param modernVersion  the client can speak TLS 1.2 or newer
 */
public record ClientHelloInfo(boolean ecdsaSupported, boolean tls13, boolean modernVersion) {

    /** What we assume when the hello cannot be read: RSA is the safe choice. */
    static final ClientHelloInfo UNKNOWN = new ClientHelloInfo(false, false, true);

    private static final int EXT_SIGNATURE_ALGORITHMS = 13;
    private static final int EXT_SUPPORTED_VERSIONS = 43;

    /**
     * Parses the body of a ClientHello handshake message (starting at {@code client_version}), as
     * handed to {@code SslClientHelloHandler#lookup}. Never throws; a malformed hello yields
     * {@link #UNKNOWN} and the TLS stack rejects it afterwards.
     */
    public static ClientHelloInfo parse(ByteBuf hello) {
        if (hello == null) {
            return UNKNOWN;
        }
        try {
            int offset = hello.readerIndex();
            int end = hello.writerIndex();
            int legacyVersion = hello.getUnsignedShort(offset);
            offset += 2 + 32;
            offset += 1 + hello.getUnsignedByte(offset);
            int suitesLength = hello.getUnsignedShort(offset);
            offset += 2;
            boolean ecdsaSuite = false;
            for (int i = 0; i + 1 < suitesLength && offset + i + 1 < end; i += 2) {
                if (isEcdsaSuite(hello.getUnsignedShort(offset + i))) {
                    ecdsaSuite = true;
                    break;
                }
            }
            offset += suitesLength;
            offset += 1 + hello.getUnsignedByte(offset);
            boolean sigalgsSeen = false;
            boolean ecdsaSig = false;
            boolean tls13 = false;
            if (offset + 2 <= end) {
                int extEnd = Math.min(end, offset + 2 + hello.getUnsignedShort(offset));
                offset += 2;
                while (offset + 4 <= extEnd) {
                    int type = hello.getUnsignedShort(offset);
                    int len = hello.getUnsignedShort(offset + 2);
                    int body = offset + 4;
                    if (body + len > extEnd) {
                        break;
                    }
                    if (type == EXT_SIGNATURE_ALGORITHMS && len >= 2) {
                        sigalgsSeen = true;
                        int listEnd = Math.min(body + len, body + 2 + hello.getUnsignedShort(body));
                        for (int p = body + 2; p + 1 < listEnd; p += 2) {
                            // ecdsa_secp256r1_sha256 (0x0403) etc.: low byte 3 is ECDSA in both TLS 1.2 and 1.3
                            if ((hello.getUnsignedShort(p) & 0xff) == 0x03) {
                                ecdsaSig = true;
                            }
                        }
                    } else if (type == EXT_SUPPORTED_VERSIONS && len >= 1) {
                        int listEnd = Math.min(body + len, body + 1 + hello.getUnsignedByte(body));
                        for (int p = body + 1; p + 1 < listEnd; p += 2) {
                            if (hello.getUnsignedShort(p) == 0x0304) {
                                tls13 = true;
                            }
                        }
                    }
                    offset = body + len;
                }
            }
            boolean ecdsaSignature = !sigalgsSeen || ecdsaSig; // absent: TLS 1.2 default allows ECDSA/SHA-1
            boolean modern = tls13 || legacyVersion >= 0x0303;
            return new ClientHelloInfo(ecdsaSignature && (tls13 || ecdsaSuite), tls13, modern);
        } catch (IndexOutOfBoundsException e) {
            return UNKNOWN;
        }
    }

    private static boolean isEcdsaSuite(int suite) {
        return switch (suite) {
            case 0xC02B, 0xC02C, 0xCCA9, 0xC009, 0xC00A, 0xC023, 0xC024 -> true;
            default -> false;
        };
    }
}
