package dev.gatehouse.cluster.vip;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of planning: the owner of each VIP and how the plan differs from the previous one.
 *
 * @param owners the owner of each VIP, in configuration order; a VIP is absent when no member of
 *               the view is healthy
 * @param moves  every VIP whose owner changed, with the reason
 */
public record VipPlan(Map<String, String> owners, List<Move> moves) {

    public VipPlan {
        owners = Collections.unmodifiableMap(new LinkedHashMap<>(owners));
        moves = List.copyOf(moves);
    }

    static VipPlan of(Map<String, String> owners, List<Move> moves) {
        return new VipPlan(owners, moves);
    }

    /** The member that owns {@code vip}, if any. */
    public Optional<String> ownerOf(String vip) {
        return Optional.ofNullable(owners.get(vip));
    }

    /** The VIPs {@code member} owns, in configuration order. */
    public List<String> ownedBy(String member) {
        List<String> out = new ArrayList<>();
        owners.forEach((vip, owner) -> {
            if (owner.equals(member)) {
                out.add(vip);
            }
        });
        return out;
    }
}
