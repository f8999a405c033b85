package dev.gatehouse.tls.sni;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * PEM text (RFC 7468) for the DER a bundle stores, as the ASCII bytes netty-tcnative parses. Bytes
 * rather than strings so that the copy of a private key can be zeroed once parsed (a {@code String}
 * would stay on the heap until collected).
 */
final class PemBytes {

    private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private PemBytes() {
    }

    /** The chain, leaf first, as consecutive CERTIFICATE blocks. */
    static byte[] chain(List<byte[]> chainDer) {
        byte[][] blocks = new byte[chainDer.size()][];
        int length = 0;
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = block("CERTIFICATE", chainDer.get(i));
            length += blocks[i].length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] b : blocks) {
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length;
        }
        return out;
    }

    /** A PKCS#8 key as one PRIVATE KEY block; the caller zeroes it after use. */
    static byte[] privateKey(byte[] pkcs8) {
        return block("PRIVATE KEY", pkcs8);
    }

    private static byte[] block(String label, byte[] der) {
        byte[] begin = ("-----BEGIN " + label + "-----\n").getBytes(StandardCharsets.US_ASCII);
        byte[] end = ("\n-----END " + label + "-----\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = BASE64.encode(der);
        byte[] out = new byte[begin.length + body.length + end.length];
        System.arraycopy(begin, 0, out, 0, begin.length);
        System.arraycopy(body, 0, out, begin.length, body.length);
        System.arraycopy(end, 0, out, begin.length + body.length, end.length);
        Arrays.fill(body, (byte) 0);
        return out;
    }
}
