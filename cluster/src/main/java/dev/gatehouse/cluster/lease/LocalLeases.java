package dev.gatehouse.cluster.lease;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Leases of a single node (no cluster): the same contract, held in memory. */
public final class LocalLeases implements Leases {

    private final Map<String, Holder> leases = new ConcurrentHashMap<>();
    private final Clock clock;

    public LocalLeases(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean tryAcquire(String name, String owner, Duration ttl) {
        long now = clock.millis();
        Holder next = new Holder(owner, now + ttl.toMillis());
        Holder result = leases.compute(name, (k, cur) ->
                cur == null || cur.owner().equals(owner) || cur.expiresAt() < now ? next : cur);
        return result == next;
    }

    @Override
    public void release(String name, String owner) {
        leases.computeIfPresent(name, (k, cur) -> cur.owner().equals(owner) ? null : cur);
    }

    @Override
    public Optional<Holder> holder(String name) {
        Holder h = leases.get(name);
        return h == null || h.expiresAt() < clock.millis() ? Optional.empty() : Optional.of(h);
    }
}
