package dev.gatehouse.tls.sni;

import java.io.ByteArrayOutputStream;

/**
 * Puts the public point into an EC private key before BoringSSL parses it. A bundle stores the key
 * as the JDK encodes it (PKCS#8 around an RFC 5915 {@code ECPrivateKey} without its optional
 * {@code publicKey}); BoringSSL then recomputes the point from the scalar, a point multiplication
 * that is about a fifth of the cost of building a certificate's key material. The point is the leaf
 * certificate's own subjectPublicKey (the bundle was checked at upload: key and leaf match), copied
 * over as DER.
 *
 * <p>Anything but the expected shapes (an RSA key, a key that already carries its point, an
 * unparseable certificate) leaves the key as it is: the cost comes back, never an error.
 */
final class EcPublicKeyInKey {

    private static final byte SEQUENCE = 0x30;
    private static final byte OCTET_STRING = 0x04;
    private static final byte BIT_STRING = 0x03;
    private static final byte INTEGER = 0x02;
    /** {@code publicKey [1] BIT STRING} in ECPrivateKey (RFC 5915 §3). */
    private static final byte PUBLIC_KEY_TAG = (byte) 0xa1;
    /** DER of OID 1.2.840.10045.2.1 (id-ecPublicKey). */
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private EcPublicKeyInKey() {
    }

    /** {@code pkcs8} with the leaf's public point added, or {@code pkcs8} itself. */
    static byte[] complete(byte[] pkcs8, byte[] leafDer) {
        try {
            byte[] point = subjectPublicKey(leafDer);
            return point == null ? pkcs8 : withPoint(pkcs8, point);
        } catch (RuntimeException malformed) {
            return pkcs8;
        }
    }

    /** The BIT STRING TLV of the leaf's subjectPublicKeyInfo when it is an EC key, else null. */
    private static byte[] subjectPublicKey(byte[] cert) {
        Tlv certificate = Tlv.at(cert, 0, SEQUENCE);
        Tlv tbs = Tlv.at(cert, certificate.body, SEQUENCE);
        int at = tbs.body;
        if (cert[at] == (byte) 0xa0) { // [0] EXPLICIT version
            at = Tlv.at(cert, at, (byte) 0xa0).end;
        }
        for (int skip = 0; skip < 5; skip++) { // serial, signature, issuer, validity, subject
            at = Tlv.at(cert, at, cert[at]).end;
        }
        Tlv spki = Tlv.at(cert, at, SEQUENCE);
        Tlv algorithm = Tlv.at(cert, spki.body, SEQUENCE);
        if (!startsWith(cert, algorithm.body, EC_PUBLIC_KEY_OID)) {
            return null;
        }
        Tlv bits = Tlv.at(cert, algorithm.end, BIT_STRING);
        return java.util.Arrays.copyOfRange(cert, bits.start, bits.end);
    }

    private static byte[] withPoint(byte[] key, byte[] pointTlv) {
        Tlv info = Tlv.at(key, 0, SEQUENCE);
        Tlv version = Tlv.at(key, info.body, INTEGER);
        Tlv algorithm = Tlv.at(key, version.end, SEQUENCE);
        if (!startsWith(key, algorithm.body, EC_PUBLIC_KEY_OID)) {
            return key;
        }
        Tlv octets = Tlv.at(key, algorithm.end, OCTET_STRING);
        Tlv ecKey = Tlv.at(key, octets.body, SEQUENCE);
        for (int at = ecKey.body; at < ecKey.end; at = Tlv.at(key, at, key[at]).end) {
            if (key[at] == PUBLIC_KEY_TAG) {
                return key; // already there
            }
        }
        ByteArrayOutputStream publicKey = tlv(PUBLIC_KEY_TAG, pointTlv, 0, pointTlv.length);
        ByteArrayOutputStream ecBody = new ByteArrayOutputStream();
        ecBody.write(key, ecKey.body, ecKey.end - ecKey.body);
        ecBody.writeBytes(publicKey.toByteArray());
        byte[] ec = tlv(SEQUENCE, ecBody.toByteArray()).toByteArray();
        byte[] wrapped = tlv(OCTET_STRING, ec).toByteArray();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(key, info.body, octets.start - info.body); // version and algorithm, as they were
        body.writeBytes(wrapped);
        body.write(key, octets.end, info.end - octets.end); // attributes, if any
        // transient copies of the key: no more exposure than the bundle's own keyPkcs8 on the heap
        return tlv(SEQUENCE, body.toByteArray()).toByteArray();
    }

    private static ByteArrayOutputStream tlv(byte tag, byte[] body) {
        return tlv(tag, body, 0, body.length);
    }

    private static ByteArrayOutputStream tlv(byte tag, byte[] body, int from, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 4);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length & 0xff);
        }
        out.write(body, from, length);
        return out;
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at + prefix.length > b.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** One DER tag-length-value: where it starts, where its body starts, where it ends. */
    private record Tlv(int start, int body, int end) {
        static Tlv at(byte[] b, int start, byte expectedTag) {
            if (b[start] != expectedTag) {
                throw new IllegalArgumentException("tag " + b[start] + " at " + start);
            }
            int len = b[start + 1] & 0xff;
            int body = start + 2;
            if (len >= 0x80) {
                int n = len & 0x7f;
                if (n < 1 || n > 3) {
                    throw new IllegalArgumentException("length of " + n + " bytes at " + start);
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (b[body + i] & 0xff);
                }
                body += n;
            }
            if (body + len > b.length) {
                throw new IllegalArgumentException("truncated at " + start);
            }
            return new Tlv(start, body, body + len);
        }
    }
}
