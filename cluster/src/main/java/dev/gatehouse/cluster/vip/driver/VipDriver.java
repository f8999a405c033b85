package dev.gatehouse.cluster.vip.driver;

import java.util.Set;

/**
 * Makes this host answer (or stop answering) for a virtual IP. The VIP manager decides
 * <em>which</em> VIPs this node owns; a driver only carries the decision out.
 *
 * <p>Contract, for every implementation:
 * <ul>
 *   <li>{@link #claim} and {@link #release} are idempotent: claiming a VIP already held, or
 *       releasing one not held, succeeds and changes nothing.</li>
 *   <li>They are called from one thread at a time (the manager's applier), may block (an EC2 API
 *       call takes a second), and report failure by throwing {@link VipDriverException} naming the
 *       VIP and what went wrong; the manager retries with backoff.</li>
 *   <li>{@link #held} answers from the real state (the kernel's address list, the cloud's ENI),
 *       not from what this driver did earlier, so the manager can repair drift.</li>
 * </ul>
 */
public interface VipDriver extends AutoCloseable {

    /** The driver's name as configured: {@code netlink}, {@code ec2}, {@code none}. */
    String name();

    /** Makes this host answer for {@code vip} and announces it (gratuitous ARP, cloud re-assignment). */
    void claim(VipSpec vip) throws VipDriverException;

    /** Stops this host answering for {@code vip}. */
    void release(VipSpec vip) throws VipDriverException;

    /** Which of {@code vips} this host answers for right now. */
    Set<VipSpec> held(Set<VipSpec> vips) throws VipDriverException;

    /**
     * Stops announcing {@code vip} (it is being handed to another member, whose announcements
     * must not race with ours); the address itself stays until {@link #release}. Idempotent.
     */
    default void silence(VipSpec vip) {
    }

    /**
     * Opens whatever {@link #claim} will need for {@code vips} (sockets, native libraries), so
     * the first failover does not pay for it. Failures are reported again by {@code claim}.
     */
    default void prepare(Set<VipSpec> vips) {
    }

    @Override
    void close();
}
