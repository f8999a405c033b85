package dev.gatehouse.cluster.vip;

import java.util.Objects;
import java.util.Optional;

/**
 * A configured virtual IP and, optionally, the member that should own it whenever it is healthy.
 *
 * @param address        the VIP as configured, e.g. {@code 198.18.0.10/24}; the planner only uses it
 *                       as a name
 * @param preferredOwner the member name that should own it (see {@link Failback}), or empty
 */
public record Vip(String address, Optional<String> preferredOwner) {

    public Vip {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(preferredOwner, "preferredOwner");
        if (address.isBlank()) {
            throw new IllegalArgumentException("address: '' (expected: a VIP such as 198.18.0.10/24)");
        }
    }

    /** A VIP that any healthy member may own. */
    public static Vip of(String address) {
        return new Vip(address, Optional.empty());
    }

    /** A VIP that {@code owner} takes whenever it is healthy (and settled, when failback is on). */
    public static Vip preferring(String address, String owner) {
        return new Vip(address, Optional.of(Objects.requireNonNull(owner, "owner")));
    }

    boolean prefers(String member) {
        return preferredOwner.isPresent() && preferredOwner.get().equals(member);
    }
}
