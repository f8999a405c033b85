package dev.gatehouse.cluster.vip;

import java.net.InetAddress;
import java.time.Duration;

/**
 * What the node's listeners do with a VIP this node is about to hand to another live member. A
 * connection still open here when the new owner claims the address is lost: the neighbours send
 * its next packets to the new owner, which knows nothing of it and resets it. So before the new
 * owner claims, this node stops taking new connections on the address (their SYNs are dropped
 * unanswered, and the client's retransmission a second later reaches the new owner), asks the
 * open ones to close after their current request ({@code Connection: close}, HTTP/2 GOAWAY) and
 * waits for them, bounded.
 *
 * <p>Called on the VIP applier thread; the listeners belong to the data plane, not to this package.
 */
public interface ConnectionDrain {

    /** No listeners to drain (tests of the VIP manager alone, a node without a data plane). */
    ConnectionDrain NONE = new ConnectionDrain() {
        @Override
        public int drain(InetAddress vip, Duration limit) {
            return 0;
        }

        @Override
        public void resume(InetAddress vip) {
        }
    };

    /**
     * Stops taking new connections on {@code vip}, asks the open ones to finish, and waits at most
     * {@code limit} for them to close.
     *
     * @return the connections on {@code vip} still open when it returned
     */
    int drain(InetAddress vip, Duration limit);

    /** Takes new connections on {@code vip} again (this node owns it again). Idempotent. */
    void resume(InetAddress vip);
}
