package dev.gatehouse.cluster.netlink;

import static dev.gatehouse.cluster.netlink.NetNamespace.IFACE;
import static dev.gatehouse.cluster.netlink.NetNamespace.PEER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Adds, lists and removes addresses over rtnetlink in a throw-away network namespace, checked
 * against our own listing and against {@code ip -4 addr show}. Only 198.18.0.0/15 (RFC 2544
 * benchmarking) addresses are used.
 */
class IpAddressesTest {

    private static NetNamespace ns;

    @BeforeAll
    static void namespace() throws Exception {
        ns = NetNamespace.create();
    }

    @AfterAll
    static void close() {
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void addsListsAndRemovesAnAddress() throws Exception {
        Inet4Address vip = v4("198.18.0.10");
        try (IpAddresses addresses = ns.call(IpAddresses::open)) {
            assertThat(ns.call(() -> addresses.add(IFACE, vip, 24))).isTrue();
            assertThat(ns.call(() -> addresses.list(IFACE))).contains(AssignedAddress.of(vip, 24));
            assertThat(ns.ip("-4", "addr", "show", "dev", IFACE)).contains("inet 198.18.0.10/24 ");

            assertThat(ns.call(() -> addresses.delete(IFACE, vip))).isTrue();
            assertThat(ns.call(() -> addresses.list(IFACE))).doesNotContain(AssignedAddress.of(vip, 24));
            assertThat(ns.ip("-4", "addr", "show", "dev", IFACE)).doesNotContain("198.18.0.10");
        }
    }

    @Test
    void addingAnAddressTwiceIsASuccessThatChangesNothing() throws Exception {
        Inet4Address vip = v4("198.18.0.11");
        try (IpAddresses addresses = ns.call(IpAddresses::open)) {
            assertThat(ns.call(() -> addresses.add(IFACE, vip, 32))).isTrue();
            assertThat(ns.call(() -> addresses.add(IFACE, vip, 32))).as("EEXIST is success").isFalse();
            assertThat(ns.call(() -> addresses.list(IFACE))).containsOnlyOnce(AssignedAddress.of(vip, 32));
            assertThat(ns.ip("-4", "addr", "show", "dev", IFACE).split("198.18.0.11/32", -1)).hasSize(2);
            ns.call(() -> addresses.delete(IFACE, vip));
        }
    }

    @Test
    void removingAnAbsentAddressIsASuccess() throws Exception {
        try (IpAddresses addresses = ns.call(IpAddresses::open)) {
            assertThat(ns.call(() -> addresses.delete(IFACE, v4("198.18.0.12")))).as("EADDRNOTAVAIL is success").isFalse();
        }
    }

    @Test
    void removesAnAddressWhateverItsPrefix() throws Exception {
        Inet4Address vip = v4("198.18.1.13");
        ns.ip("addr", "add", "198.18.1.13/20", "dev", IFACE);
        try (IpAddresses addresses = ns.call(IpAddresses::open)) {
            assertThat(ns.call(() -> addresses.delete(IFACE, vip))).isTrue();
        }
        assertThat(ns.ip("-4", "addr", "show", "dev", IFACE)).doesNotContain("198.18.1.13");
    }

    @Test
    void listsOnlyTheAddressesOfTheInterfaceAsked() throws Exception {
        ns.ip("addr", "add", "198.18.0.14/24", "dev", IFACE);
        ns.ip("addr", "add", "198.18.0.15/24", "dev", PEER);
        try (IpAddresses addresses = ns.call(IpAddresses::open)) {
            assertThat(ns.call(() -> addresses.list(IFACE))).contains(AssignedAddress.of(v4("198.18.0.14"), 24))
                    .doesNotContain(AssignedAddress.of(v4("198.18.0.15"), 24));
            assertThat(ns.call(() -> addresses.list(PEER))).containsExactly(AssignedAddress.of(v4("198.18.0.15"), 24));
            ns.call(() -> addresses.delete(IFACE, v4("198.18.0.14")));
            ns.call(() -> addresses.delete(PEER, v4("198.18.0.15")));
        }
    }

    @Test
    void namesTheInterfaceAddressAndErrnoWhenItFails() throws Exception {
        try (IpAddresses addresses = ns.call(IpAddresses::open)) {
            assertThatThrownBy(() -> ns.call(() -> addresses.add("gh-missing", v4("198.18.0.16"), 24)))
                    .isInstanceOfSatisfying(NetlinkException.class, e -> {
                        assertThat(e.interfaceName()).isEqualTo("gh-missing");
                        assertThat(e.address()).isEqualTo("198.18.0.16/24");
                        assertThat(e.errno()).isEqualTo(LibC.ENODEV);
                        assertThat(e.operation()).isEqualTo(NetlinkException.Operation.ADD_ADDRESS);
                    })
                    .hasMessageContaining("interface=gh-missing").hasMessageContaining("address=198.18.0.16/24")
                    .hasMessageContaining("errno 19 ENODEV");
        }
    }

    @Test
    void removingFromAnotherInterfaceLeavesTheAddressAlone() throws Exception {
        ns.ip("addr", "add", "198.18.0.17/24", "dev", IFACE);
        try (IpAddresses addresses = ns.call(IpAddresses::open)) {
            assertThat(ns.call(() -> addresses.delete(PEER, v4("198.18.0.17")))).as("EADDRNOTAVAIL on gh1").isFalse();
            assertThat(ns.ip("-4", "addr", "show", "dev", IFACE)).contains("198.18.0.17/24");
            assertThat(ns.call(() -> addresses.delete(IFACE, v4("198.18.0.17")))).isTrue();
        }
    }

    @Test
    void namesTheInterfaceWhenListingFails() throws Exception {
        try (IpAddresses addresses = ns.call(IpAddresses::open)) {
            assertThatThrownBy(() -> ns.call(() -> addresses.list("gh-missing")))
                    .isInstanceOf(NetlinkException.class)
                    .hasMessageStartingWith("list_addresses interface=gh-missing: errno 19 ENODEV");
        }
    }

    static Inet4Address v4(String text) throws Exception {
        return (Inet4Address) InetAddress.getByName(text);
    }
}
