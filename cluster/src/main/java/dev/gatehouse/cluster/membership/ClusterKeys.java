package dev.gatehouse.cluster.membership;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two keys JGroups uses, derived from the cluster secret with HKDF-SHA256 (RFC 5869) under
 * distinct labels, so the secret itself is never used directly and never leaves the node: one key
 * encrypts every message ({@code SYM_ENCRYPT}), the other signs join and merge requests
 * ({@code AUTH} with {@link SecretAuthToken}).
 */
final class ClusterKeys {

    private static final byte[] SALT = "gatehouse jgroups v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] encryption;
    private final byte[] authentication;

    private ClusterKeys(byte[] encryption, byte[] authentication) {
        this.encryption = encryption;
        this.authentication = authentication;
    }

    static ClusterKeys derive(byte[] secret) {
        byte[] prk = hmac(SALT, secret);
        return new ClusterKeys(expand(prk, "message encryption"), expand(prk, "membership authentication"));
    }

    /**
     * The encryption key as the keystore entry {@code SYM_ENCRYPT} takes, for a cipher
     * transformation such as {@code ChaCha20-Poly1305} or {@code AES/CBC/PKCS5Padding}. It is
     * handed to the protocol in memory rather than written to a keystore file.
     */
    KeyStore.SecretKeyEntry encryptionEntry(String transformation) {
        String algorithm = transformation.startsWith("ChaCha20") ? "ChaCha20" : transformation.split("/")[0];
        return new KeyStore.SecretKeyEntry(new SecretKeySpec(encryption, algorithm));
    }

    byte[] authentication() {
        return authentication.clone();
    }

    /** HKDF-Expand for one 32-byte block: HMAC(PRK, info || 0x01). */
    private static byte[] expand(byte[] prk, String info) {
        byte[] label = info.getBytes(StandardCharsets.US_ASCII);
        byte[] input = Arrays.copyOf(label, label.length + 1);
        input[label.length] = 1;
        return hmac(prk, input);
    }

    static byte[] hmac(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
