package dev.gatehouse.cluster.membership;

import java.util.List;
import java.util.Optional;

/**
 * A JGroups view as Gatehouse sees it: the members in view order (the coordinator, the oldest
 * member, first). Every member of a view sees the same list in the same order, which is what lets
 * each of them compute the same VIP plan on its own.
 *
 * @param id      the view id as JGroups prints it ({@code coordinator|n}), for logs
 * @param members the members, coordinator first
 * @param merged  whether this view ended a partition (a MERGE3 merge)
 */
public record MembershipView(String id, List<Member> members, boolean merged) {

    public MembershipView {
        members = List.copyOf(members);
    }

    /** One member: its node name and the {@code host:port} its channel listens on (if known). */
    public record Member(String name, String address) {
    }

    /** The view before the channel has connected. */
    public static MembershipView none() {
        return new MembershipView("none", List.of(), false);
    }

    /** Member names in view order. */
    public List<String> names() {
        return members.stream().map(Member::name).toList();
    }

    public Optional<Member> coordinator() {
        return members.isEmpty() ? Optional.empty() : Optional.of(members.get(0));
    }

    public boolean contains(String name) {
        return members.stream().anyMatch(m -> m.name().equals(name));
    }

    public int size() {
        return members.size();
    }
}
