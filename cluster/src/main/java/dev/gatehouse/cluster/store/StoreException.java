package dev.gatehouse.cluster.store;

/** A write to the store failed (disk full, I/O error); nothing was changed. */
public final class StoreException extends Exception {

    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
