package dev.gatehouse.cluster.membership;

/**
 * Told about each new view, and each message another member {@linkplain Membership#broadcast
 * broadcast}, on the {@link Controller} thread, in the order JGroups delivered them.
 */
public interface MembershipListener {

    void viewChanged(MembershipView view);

    /** A message from member {@code from} (its node name). Ignored unless overridden. */
    default void messageReceived(String from, byte[] payload) {
    }
}
