/**
 * Who owns which virtual IP, and making it so.
 *
 * <ul>
 *   <li>{@link dev.gatehouse.cluster.vip.VipPlanner} maps a view (ordered members, their health, the
 *       configured VIPs with optional preferred owners, the previous assignment and the failback
 *       hold-down state) to an owner per VIP. Pure and deterministic; the exact rule is on the class.</li>
 *   <li>{@link dev.gatehouse.cluster.vip.VipManager} runs it: the coordinator of the JGroups view plans
 *       and broadcasts, every member applies its share through a
 *       {@link dev.gatehouse.cluster.vip.driver.VipDriver} (netlink, ec2, none). It wires one class per
 *       thread: {@code HealthReporter} (ticker: this node's health), {@code PlanController}
 *       (membership controller: view, members' health, planning, the {@code VipMessage} wire
 *       records), {@code Applier} (applier: driver calls, hand-over, retries, repair); and
 *       {@code VipStatus} for the console.</li>
 * </ul>
 *
 * <p>Decisions written down here (DESIGN.md is silent on them):
 * <ul>
 *   <li><b>One decider.</b> Planning on every member from the view alone would need every member to
 *       see every health change at the same moment; it does not. The coordinator plans, everyone
 *       else follows its latest plan; a new coordinator continues from the last plan it received.</li>
 *   <li><b>Split brain is allowed, briefly.</b> A member alone in its view takes every VIP (the others
 *       may be dead). A configured gateway check limits this to nodes that still reach the network;
 *       after MERGE3 heals the view the merged coordinator keeps one owner per VIP and the keeper
 *       re-announces it, since neighbours may have followed the other side.</li>
 *   <li><b>Drain, then make-before-break.</b> A connection open on the old holder when the new one
 *       claims is reset (the neighbours send its packets to the new holder). So a VIP handed to
 *       another live member is first drained here ({@code ConnectionDrain}: new connections held off
 *       by dropping their SYNs, which clients retransmit a second later; open ones finish, at most
 *       500 ms) and reported drained; the new owner claims only then (or after 3 s without that
 *       report). The address stays here until the new owner reports holding it, plus
 *       {@code handover} (300 ms) for its gratuitous ARP to land, and this node stops announcing it
 *       at once; so the address answers throughout, even when the two install a merged view a
 *       second apart. A VIP whose previous holder is not in the view (a crash) is claimed at once:
 *       the crash path waits for nothing. A graceful stop waits for the hand-over before its
 *       listeners close.</li>
 *   <li><b>Settle.</b> A member is reported healthy only after its checks passed for {@code settle}
 *       (2 s): a flapping member never receives VIPs, and rebalancing to a returning member (the
 *       planner keeps the spread at one) happens after it. Failback of a preferred VIP waits the
 *       hold-down on top.</li>
 *   <li><b>Crash.</b> The kernel keeps a dead process's addresses; start-up and {@code release-vips}
 *       (the unit's ExecStopPost) remove configured VIPs this node does not own.</li>
 *   <li><b>One writer per field.</b> Each mutable field belongs to one of the three threads; work
 *       crosses only as tasks enqueued on the controller, or as an immutable {@code Target} (plan,
 *       live members, their held VIPs, per-VIP announcement counters) that the controller publishes
 *       and the applier reads once per pass. An announcement is a counter the controller raises and
 *       the applier catches up with, never a flag both write: a pass over an older plan cannot clear
 *       a request made under a newer one (it once could, and a VIP handed back mid-hand-over stayed
 *       silenced). The owner is asserted at every mutating entry point; tests run with {@code -ea}.</li>
 *   <li><b>Wire format.</b> Health and plan messages are JSON records with a type {@code t} and a
 *       version {@code v}; a rolling upgrade runs release N beside N-1, so fields are only ever added
 *       and readers ignore unknown ones. The previous release's messages are kept as fixtures under
 *       {@code cluster/src/test/resources/compat/}.</li>
 *   <li>IPv4 only: unsolicited neighbour advertisements for IPv6 VIPs are not implemented.</li>
 * </ul>
 */
package dev.gatehouse.cluster.vip;
