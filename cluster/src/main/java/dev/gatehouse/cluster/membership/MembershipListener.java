package dev.gatehouse.cluster.membership;

/** Told about each new view, on the {@link Controller} thread, in the order JGroups installed them. */
@FunctionalInterface
public interface MembershipListener {

    void viewChanged(MembershipView view);
}
