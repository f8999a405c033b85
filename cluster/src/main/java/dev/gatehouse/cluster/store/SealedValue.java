package dev.gatehouse.cluster.store;

import java.util.Base64;
import java.util.Objects;

/**
 * A secret sealed with AES-256-GCM: which key sealed it, the 96-bit nonce and the ciphertext with
 * its 128-bit tag. The associated data is not stored: the reader rebuilds it from the record the
 * value belongs to, so moving a sealed value to another record makes it fail to open.
 */
public record SealedValue(String keyId, String nonce, String ciphertext) {

    public SealedValue {
        keyId = Objects.requireNonNull(keyId, "keyId").intern(); // a few cluster keys among 100,000s of values
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(ciphertext, "ciphertext");
    }

    static SealedValue of(String keyId, byte[] nonce, byte[] ciphertext) {
        return new SealedValue(keyId, Base64.getEncoder().encodeToString(nonce),
                Base64.getEncoder().encodeToString(ciphertext));
    }

    byte[] nonceBytes() {
        return Base64.getDecoder().decode(nonce);
    }

    byte[] ciphertextBytes() {
        return Base64.getDecoder().decode(ciphertext);
    }

    @Override
    public String toString() {
        return "SealedValue[keyId=" + keyId + "]";
    }
}
