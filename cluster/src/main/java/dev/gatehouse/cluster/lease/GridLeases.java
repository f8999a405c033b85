package dev.gatehouse.cluster.lease;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.gatehouse.cluster.grid.MapNames;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Leases in a Hazelcast map ({@link MapNames#LEASES}): {@code owner|expiresAt} per name, taken
 * with {@code putIfAbsent} and extended or taken over with {@code replace(key, old, new)}, both
 * atomic on the partition owner. Not the CP subsystem (absent from the community edition).
 *
 * <p>After a split-brain both halves may hold the lease until the merge; the work done under it
 * (ACME orders) tolerates that: orders are resumed from the store, and the higher revision wins.
 * Lease values are not sealed: a member without the cluster key could hold the lease (and so
 * delay renewals), but not inject a certificate.
 */
public final class GridLeases implements Leases {

    private final IMap<String, String> map;
    private final Clock clock;

    public GridLeases(HazelcastInstance hz, Clock clock) {
        this.map = hz.getMap(MapNames.LEASES);
        this.clock = clock;
    }

    @Override
    public boolean tryAcquire(String name, String owner, Duration ttl) {
        long now = clock.millis();
        String mine = new Holder(owner, now + ttl.toMillis()).encode();
        String current = map.get(name);
        if (current == null) {
            return map.putIfAbsent(name, mine) == null;
        }
        Holder h = Holder.decode(current);
        if (!h.owner().equals(owner) && h.expiresAt() >= now) {
            return false;
        }
        return map.replace(name, current, mine);
    }

    @Override
    public void release(String name, String owner) {
        String current = map.get(name);
        if (current != null && Holder.decode(current).owner().equals(owner)) {
            map.remove(name, current);
        }
    }

    @Override
    public Optional<Holder> holder(String name) {
        String current = map.get(name);
        if (current == null) {
            return Optional.empty();
        }
        Holder h = Holder.decode(current);
        return h.expiresAt() < clock.millis() ? Optional.empty() : Optional.of(h);
    }
}
