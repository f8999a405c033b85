package dev.gatehouse.cluster.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A secret sealed with AES-256-GCM: which key sealed it, the 96-bit nonce and the ciphertext with
 * its 128-bit tag. The associated data is not stored: the reader rebuilds it from the record the
 * value belongs to, so moving a sealed value to another record makes it fail to open.
 *
 * <p>Held as bytes and written as base64 text ({@code "nonce"}, {@code "ciphertext"}: Jackson's
 * standard base64 for byte arrays, the same text as before): a node holding 100,000 certificates
 * keeps 100,000 of these, and the strings cost ~100 bytes more each than the bytes they encode.
 *
 * @param nonceBytes      the nonce (never changed once made: callers must not write to it)
 * @param ciphertextBytes the ciphertext and tag (the same)
 */
public record SealedValue(String keyId, @JsonProperty("nonce") byte[] nonceBytes,
        @JsonProperty("ciphertext") byte[] ciphertextBytes) {

    public SealedValue {
        keyId = Objects.requireNonNull(keyId, "keyId").intern(); // a few cluster keys among 100,000s of values
        Objects.requireNonNull(nonceBytes, "nonce");
        Objects.requireNonNull(ciphertextBytes, "ciphertext");
    }

    /**
     * A sealed value from the base64 text of its nonce and ciphertext (as written in records and grid values).
     *
     * @throws IllegalArgumentException naming the field that is not base64
     */
    public SealedValue(String keyId, String nonce, String ciphertext) {
        this(keyId, base64("nonce", nonce), base64("ciphertext", ciphertext));
    }

    private static byte[] base64(String field, String text) {
        Objects.requireNonNull(text, field);
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": not base64 (" + e.getMessage() + ")", e);
        }
    }

    static SealedValue of(String keyId, byte[] nonce, byte[] ciphertext) {
        return new SealedValue(keyId, nonce, ciphertext);
    }

    /** The nonce as base64 text. */
    public String nonce() {
        return Base64.getEncoder().encodeToString(nonceBytes);
    }

    /** The ciphertext as base64 text. */
    public String ciphertext() {
        return Base64.getEncoder().encodeToString(ciphertextBytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SealedValue s && keyId.equals(s.keyId) && Arrays.equals(nonceBytes, s.nonceBytes)
                && Arrays.equals(ciphertextBytes, s.ciphertextBytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyId, Arrays.hashCode(nonceBytes), Arrays.hashCode(ciphertextBytes));
    }

    @Override
    public String toString() {
        return "SealedValue[keyId=" + keyId + "]";
    }
}
