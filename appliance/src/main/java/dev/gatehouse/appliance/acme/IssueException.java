package dev.gatehouse.appliance.acme;

/**
 * An order that cannot go on, with the reason shown in the certificate's status. {@code orderDead}:
 * the order itself is unusable (invalid, validation failed) and the next attempt starts a new one;
 * otherwise the next attempt resumes it.
 */
final class IssueException extends Exception {

    private static final long serialVersionUID = 1L;
    private final boolean orderDead;

    IssueException(String reason, boolean orderDead) {
        super(reason);
        this.orderDead = orderDead;
    }

    boolean orderDead() {
        return orderDead;
    }
}
