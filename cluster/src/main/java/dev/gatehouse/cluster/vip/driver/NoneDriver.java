package dev.gatehouse.cluster.vip.driver;

import java.util.HashSet;
import java.util.Set;

/**
 * The {@code none} driver: ownership is decided and reported (status, logs) but nothing on the
 * host changes. For a single node, or when an external load balancer sends traffic to every
 * healthy node anyway.
 */
public final class NoneDriver implements VipDriver {

    private final Set<VipSpec> held = new HashSet<>();

    @Override
    public String name() {
        return "none";
    }

    @Override
    public synchronized void claim(VipSpec vip) {
        held.add(vip);
    }

    @Override
    public synchronized void release(VipSpec vip) {
        held.remove(vip);
    }

    @Override
    public synchronized Set<VipSpec> held(Set<VipSpec> vips) {
        Set<VipSpec> out = new HashSet<>(vips);
        out.retainAll(held);
        return out;
    }

    @Override
    public void close() {
    }
}
