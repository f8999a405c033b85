package dev.gatehouse.cluster.store;

/**
 * Changes to the store, delivered after they are durable. Listeners implement only what they use;
 * callbacks must not block (the cluster delivers them from its event threads).
 */
public interface StoreListener {

    default void certificatePut(CertificateRecord record) {
    }

    default void certificateRemoved(String id) {
    }

    default void routingChanged() {
    }

    /** A domain claim of {@code tenant} was added, changed (e.g. verified) or removed. */
    default void claimChanged(String tenant) {
    }

    /** An event was written (here or replicated): long-polling readers wake up. */
    default void eventAdded(EventRecord event) {
    }

    /** The policy of hostname {@code name} was set, changed or removed (here or replicated). */
    default void policyChanged(String name) {
    }

    /** The OCSP state of a certificate was written or removed (here or replicated): staples follow it. */
    default void ocspChanged(String certificate) {
    }
}
