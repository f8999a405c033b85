package dev.gatehouse.cluster.membership;

import org.jgroups.JChannel;

/** Lets tests in other packages reach a member's channel (to add DISCARD and split the cluster). */
public final class MembershipTestAccess {

    private MembershipTestAccess() {
    }

    public static JChannel channel(Membership membership) {
        return membership.channel();
    }
}
