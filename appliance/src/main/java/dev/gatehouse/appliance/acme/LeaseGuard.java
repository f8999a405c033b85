package dev.gatehouse.appliance.acme;

/** Checked between the steps of an order: extends the scheduler lease, or stops the work when it was lost. */
@FunctionalInterface
interface LeaseGuard {

    void check() throws LeaseLostException;

    /** This node no longer holds the scheduler lease; the next holder resumes the order from the store. */
    final class LeaseLostException extends Exception {
        private static final long serialVersionUID = 1L;

        LeaseLostException() {
            super("the scheduler lease passed to another node");
        }
    }
}
