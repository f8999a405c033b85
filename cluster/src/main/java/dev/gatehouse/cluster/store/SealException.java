package dev.gatehouse.cluster.store;

/** A sealed value did not open: wrong key, tampered ciphertext, or moved to another record. */
public final class SealException extends Exception {

    private static final long serialVersionUID = 1L;
    private final String keyId;

    public SealException(String keyId, String message, Throwable cause) {
        super(message, cause);
        this.keyId = keyId;
    }

    /** The key id the value claims to be sealed with. */
    public String keyId() {
        return keyId;
    }
}
