package dev.gatehouse.cluster.vip.driver;

import dev.gatehouse.cluster.netlink.AssignedAddress;
import dev.gatehouse.cluster.netlink.IpAddresses;
import dev.gatehouse.cluster.netlink.NetlinkException;
import java.io.IOException;
import java.net.Inet4Address;
import java.util.HashSet;
import java.util.Set;

/**
 * The addresses on this host's interfaces. In production {@link #netlink()}; tests substitute a
 * map so the driver runs without {@code CAP_NET_ADMIN}.
 */
interface LocalAddresses extends AutoCloseable {

    /** Adds {@code address/prefixLength}; already there is success. */
    void add(String interfaceName, Inet4Address address, int prefixLength) throws IOException;

    /** Removes {@code address}; already absent is success. */
    void delete(String interfaceName, Inet4Address address) throws IOException;

    /** The IPv4 addresses on {@code interfaceName} now. */
    Set<Inet4Address> list(String interfaceName) throws IOException;

    @Override
    void close();

    /** Over rtnetlink, in this process's network namespace. */
    static LocalAddresses netlink() throws NetlinkException {
        IpAddresses addresses = IpAddresses.open();
        return new LocalAddresses() {
            @Override
            public void add(String interfaceName, Inet4Address address, int prefixLength) throws IOException {
                addresses.add(interfaceName, address, prefixLength);
            }

            @Override
            public void delete(String interfaceName, Inet4Address address) throws IOException {
                addresses.delete(interfaceName, address);
            }

            @Override
            public Set<Inet4Address> list(String interfaceName) throws IOException {
                Set<Inet4Address> out = new HashSet<>();
                for (AssignedAddress a : addresses.list(interfaceName)) {
                    out.add(a.address());
                }
                return out;
            }

            @Override
            public void close() {
                addresses.close();
            }
        };
    }
}
