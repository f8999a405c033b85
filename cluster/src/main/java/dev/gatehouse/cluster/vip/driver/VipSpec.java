package dev.gatehouse.cluster.vip.driver;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.Optional;

/**
 * One configured virtual IP, as drivers need it.
 *
 * @param address       the IPv4 address
 * @param prefixLength  the prefix it is added with on the interface (e.g. 24 or 32)
 * @param interfaceName the interface it lives on (e.g. {@code eth0})
 * @param elasticIp     for the {@code ec2} driver: the Elastic IP allocation id
 *                      ({@code eipalloc-...}) to associate with {@code address}, if any
 */
public record VipSpec(Inet4Address address, int prefixLength, String interfaceName, Optional<String> elasticIp) {

    public VipSpec {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(interfaceName, "interfaceName");
        Objects.requireNonNull(elasticIp, "elasticIp");
        if (prefixLength < 1 || prefixLength > 32) {
            throw new IllegalArgumentException("prefixLength: " + prefixLength + " (expected: 1..32)");
        }
        if (interfaceName.isBlank()) {
            throw new IllegalArgumentException("interfaceName: '' (expected: an interface such as eth0)");
        }
    }

    /**
     * Parses {@code 198.18.0.100/24} (the prefix defaults to 32) on {@code interfaceName}.
     *
     * @throws IllegalArgumentException naming what is wrong with {@code cidr}
     */
    public static VipSpec parse(String cidr, String interfaceName) {
        Objects.requireNonNull(cidr, "cidr");
        String text = cidr.trim();
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        int prefix = 32;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + cidr + "': prefix is not a number (expected: e.g. 198.18.0.100/24)");
            }
            if (prefix < 1 || prefix > 32) {
                throw new IllegalArgumentException("'" + cidr + "': prefix " + prefix + " (expected: 1..32)");
            }
        }
        if (!host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException("'" + cidr + "': not an IPv4 address (expected: e.g. 198.18.0.100/24)");
        }
        InetAddress parsed;
        try {
            parsed = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + cidr + "': not an IPv4 address (expected: e.g. 198.18.0.100/24)");
        }
        if (!(parsed instanceof Inet4Address v4)) {
            throw new IllegalArgumentException("'" + cidr + "': not an IPv4 address (expected: e.g. 198.18.0.100/24)");
        }
        for (String octet : host.split("\\.")) {
            if (Integer.parseInt(octet) > 255) {
                throw new IllegalArgumentException("'" + cidr + "': octet " + octet + " > 255");
            }
        }
        return new VipSpec(v4, prefix, interfaceName, Optional.empty());
    }

    /** The same VIP, associated with Elastic IP allocation {@code allocationId} by the ec2 driver. */
    public VipSpec withElasticIp(String allocationId) {
        return new VipSpec(address, prefixLength, interfaceName, Optional.of(allocationId));
    }

    /** The address without prefix, e.g. {@code 198.18.0.100}: the VIP's name in plans and status. */
    public String name() {
        return address.getHostAddress();
    }

    @Override
    public String toString() {
        return name() + "/" + prefixLength + " dev " + interfaceName + elasticIp.map(e -> " eip " + e).orElse("");
    }
}
