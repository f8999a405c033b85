package dev.gatehouse.cluster.netlink;

import static dev.gatehouse.cluster.netlink.NetNamespace.IFACE;
import static dev.gatehouse.cluster.netlink.NetNamespace.PEER;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Gratuitous ARP: the frame's layout, and the frames a veth peer actually receives. */
class GratuitousArpTest {

    private static final byte[] MAC = HexFormat.of().parseHex("02005e0000aa");

    @Test
    void buildsAnArpAnnouncementFrame() throws Exception {
        Inet4Address vip = (Inet4Address) InetAddress.getByName("198.18.0.20");
        ByteBuffer f = ByteBuffer.wrap(GratuitousArp.frame(MAC, vip));

        assertThat(f.capacity()).isEqualTo(60);
        assertThat(slice(f, 0, 6)).containsOnly((byte) 0xff);     // broadcast
        assertThat(slice(f, 6, 6)).isEqualTo(MAC);                // source
        assertThat(f.getShort(12)).isEqualTo((short) 0x0806);     // ARP
        assertThat(f.getShort(14)).isEqualTo((short) 1);          // Ethernet
        assertThat(f.getShort(16)).isEqualTo((short) 0x0800);     // IPv4
        assertThat(f.get(18)).isEqualTo((byte) 6);
        assertThat(f.get(19)).isEqualTo((byte) 4);
        assertThat(f.getShort(20)).isEqualTo((short) 1);          // request
        assertThat(slice(f, 22, 6)).isEqualTo(MAC);               // sender hardware address
        assertThat(slice(f, 28, 4)).isEqualTo(vip.getAddress());  // sender protocol address
        assertThat(slice(f, 32, 6)).containsOnly((byte) 0);       // target hardware address
        assertThat(slice(f, 38, 4)).isEqualTo(vip.getAddress());  // target protocol address = sender's
        assertThat(slice(f, 42, 18)).containsOnly((byte) 0);      // padding
    }

    @Test
    void announcesThreeTimesOnTheWire() throws Exception {
        Inet4Address vip = (Inet4Address) InetAddress.getByName("198.18.0.21");
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (NetNamespace ns = NetNamespace.create()) {
            int capture = ns.call(() -> openCapture(PEER));
            try (GratuitousArp arp = ns.call(() -> GratuitousArp.open(IFACE))) {
                String link = ns.ip("link", "show", "dev", IFACE);
                assertThat(link).contains("link/ether " + hexMac(arp.hardwareAddress()));

                arp.announce(vip, 3, Duration.ofMillis(100), scheduler).get(5, TimeUnit.SECONDS);

                List<byte[]> seen = ns.call(() -> receiveArp(capture, 3));
                assertThat(seen).hasSize(3).allSatisfy(frame -> {
                    assertThat(Arrays.copyOf(frame, 42)).isEqualTo(Arrays.copyOf(GratuitousArp.frame(arp.hardwareAddress(), vip), 42));
                });
            } finally {
                LibC.INSTANCE.close(capture);
            }
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void isNoLongerCurrentOnceItsInterfaceIsCreatedAgain() throws Exception {
        try (NetNamespace ns = NetNamespace.create()) {
            try (GratuitousArp arp = ns.call(() -> GratuitousArp.open(IFACE))) {
                assertThat(ns.call(arp::isCurrent)).isTrue();

                ns.ip("link", "del", IFACE);
                assertThat(ns.call(arp::isCurrent)).as("interface gone").isFalse();
                ns.ip("link", "add", IFACE, "type", "veth", "peer", "name", PEER);
                assertThat(ns.call(arp::isCurrent)).as("same name, new index").isFalse();
            }
        }
    }

    /** An AF_PACKET socket receiving the ARP frames arriving on {@code iface}, with a 2 s timeout. */
    private static int openCapture(String iface) throws NetlinkException {
        LibC libc = LibC.INSTANCE;
        int fd = libc.socket(LibC.AF_PACKET, LibC.SOCK_RAW, LibC.htons(LibC.ETH_P_ARP));
        LibC.SockaddrLl at = new LibC.SockaddrLl();
        at.sll_protocol = LibC.htons(LibC.ETH_P_ARP);
        at.sll_ifindex = Interfaces.index(iface, NetlinkException.Operation.GRATUITOUS_ARP, null);
        libc.bind(fd, at, at.size());
        LibC.Timeval timeout = LibC.Timeval.ofMillis(2_000);
        libc.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeout, timeout.size());
        return fd;
    }

    /** Up to {@code count} ARP frames, stopping at the first 2 s without one. */
    private static List<byte[]> receiveArp(int fd, int count) {
        List<byte[]> frames = new ArrayList<>();
        byte[] buffer = new byte[2048];
        while (frames.size() < count) {
            int n;
            try {
                n = LibC.INSTANCE.recv(fd, buffer, new NativeLong(buffer.length), 0).intValue();
            } catch (LastErrorException timeout) {
                break;
            }
            frames.add(Arrays.copyOf(buffer, n));
        }
        return frames;
    }

    private static byte[] slice(ByteBuffer b, int offset, int length) {
        return Arrays.copyOfRange(b.array(), offset, offset + length);
    }

    private static String hexMac(byte[] mac) {
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }
}
