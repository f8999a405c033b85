package dev.gatehouse.cluster.netlink;

import java.net.Inet4Address;
import java.util.Objects;

/**
 * An IPv4 address on an interface, as the kernel lists it.
 *
 * @param address      the local address
 * @param prefixLength its prefix length (0..32)
 */
public record AssignedAddress(Inet4Address address, int prefixLength) {

    public AssignedAddress {
        Objects.requireNonNull(address, "address");
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefixLength: " + prefixLength + " (expected: 0..32)");
        }
    }

    public static AssignedAddress of(Inet4Address address, int prefixLength) {
        return new AssignedAddress(address, prefixLength);
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
