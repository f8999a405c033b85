package dev.gatehouse.cluster.vip;

import dev.gatehouse.cluster.vip.driver.VipSpec;
import java.util.Objects;
import java.util.Optional;

/**
 * A configured VIP: what the driver needs to claim it, and the member that should own it when
 * it is healthy (if any).
 */
public record ManagedVip(VipSpec spec, Optional<String> preferredOwner) {

    public ManagedVip {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(preferredOwner, "preferredOwner");
    }

    /** The VIP's name in plans, status and logs: its address. */
    public String name() {
        return spec.name();
    }

    Vip forPlanner() {
        return new Vip(name(), preferredOwner);
    }
}
