package dev.gatehouse.appliance.events;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.gatehouse.cluster.grid.MapNames;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Hands out the cluster's event cursor: strictly increasing numbers, never reused, across restarts.
 * Alone, a counter seeded from the highest stored event. Clustered, one grid entry taken by
 * compare-and-set ({@code replace(key, old, new)}, atomic on its partition owner, as the leases
 * are); each allocation starts from the higher of the grid's value and the highest event this node
 * holds, so a cluster restarted as a whole (grid empty) continues after its stored events.
 */
public interface EventSequence {

    /** The next cursor value (> every value handed out before, cluster-wide). */
    long next();

    static EventSequence local(LongSupplier storedMax) {
        AtomicLong n = new AtomicLong(storedMax.getAsLong());
        return () -> n.updateAndGet(v -> Math.max(v, storedMax.getAsLong()) + 1);
    }

    static EventSequence grid(HazelcastInstance hz, LongSupplier storedMax) {
        IMap<String, Long> map = hz.getMap(MapNames.EVENT_SEQUENCE);
        return () -> {
            // bounded: contention is a handful of API workers; each lost race means someone else advanced it
            for (int attempt = 0; attempt < 1000; attempt++) {
                Long current = map.get("seq");
                long next = Math.max(current == null ? 0 : current, storedMax.getAsLong()) + 1;
                if (current == null ? map.putIfAbsent("seq", next) == null : map.replace("seq", current, next)) {
                    return next;
                }
            }
            throw new IllegalStateException("event sequence: 1000 lost compare-and-set rounds");
        };
    }
}
