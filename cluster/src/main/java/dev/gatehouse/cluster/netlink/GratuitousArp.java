package dev.gatehouse.cluster.netlink;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Announces that this host now answers for an IPv4 address: gratuitous ARP requests
 * (RFC 5227 §3 "ARP Announcement", RFC 5944 §4.6) broadcast on an interface through an
 * {@code AF_PACKET} socket (packet(7)), through JNA: no {@code arping} subprocess. Switches and
 * neighbours update their tables at once instead of waiting for their ARP entries to expire.
 *
 * <p>The socket, interface index and hardware address are taken when {@link #open} is called, in
 * the calling thread's network namespace; sending may then happen from any thread. Needs
 * {@code CAP_NET_RAW}.
 */
public final class GratuitousArp implements AutoCloseable {

    static final int FRAME_BYTES = 60; // minimum Ethernet frame without FCS; the ARP packet is 42
    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    private final String interfaceName;
    private final int fd;
    private final int index;
    private final byte[] mac;

    private GratuitousArp(String interfaceName, int fd, int index, byte[] mac) {
        this.interfaceName = interfaceName;
        this.fd = fd;
        this.index = index;
        this.mac = mac;
    }

    /** Opens a packet socket for sending on {@code interfaceName} (an Ethernet-like interface). */
    public static GratuitousArp open(String interfaceName) throws NetlinkException {
        int index = Interfaces.index(interfaceName, NetlinkException.Operation.GRATUITOUS_ARP, null);
        LibC libc = LibC.INSTANCE;
        int fd;
        try {
            // protocol 0: this socket only sends, so the kernel queues nothing for it to receive
            fd = libc.socket(LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new NetlinkException(NetlinkException.Operation.OPEN_SOCKET, interfaceName, "AF_PACKET", e.getErrorCode());
        }
        try {
            return new GratuitousArp(interfaceName, fd, index, hardwareAddress(fd, interfaceName));
        } catch (NetlinkException e) {
            libc.close(fd);
            throw e;
        }
    }

    /**
     * Whether the interface this socket was opened for is still the one of that name. An interface
     * that is deleted and created again (a NIC re-plugged, a container network reconnected) gets a
     * new index and perhaps a new address: frames sent through this object then fail with ENXIO,
     * or, were the old index reused, leave through the wrong interface. Open a new one then.
     */
    public boolean isCurrent() {
        return LibC.INSTANCE.if_nametoindex(interfaceName) == index;
    }

    /** The interface's hardware address, as the frames carry it. */
    public byte[] hardwareAddress() {
        return mac.clone();
    }

    /** Broadcasts one gratuitous ARP request for {@code address}. */
    public void send(Inet4Address address) throws NetlinkException {
        byte[] frame = frame(mac, address);
        LibC.SockaddrLl to = new LibC.SockaddrLl();
        to.sll_protocol = LibC.htons(LibC.ETH_P_ARP);
        to.sll_ifindex = index;
        to.sll_halen = 6;
        System.arraycopy(BROADCAST, 0, to.sll_addr, 0, 6);
        try {
            LibC.INSTANCE.sendto(fd, frame, new NativeLong(frame.length), 0, to, to.size());
        } catch (LastErrorException e) {
            throw new NetlinkException(NetlinkException.Operation.GRATUITOUS_ARP, interfaceName,
                    address.getHostAddress(), e.getErrorCode());
        }
    }

    /**
     * Sends {@code count} announcements {@code interval} apart: the first now (so a failure is
     * thrown here), the others on {@code scheduler}. The future completes after the last one, or
     * exceptionally with the {@link NetlinkException} of a later one.
     */
    public CompletableFuture<Void> announce(Inet4Address address, int count, Duration interval,
                                            ScheduledExecutorService scheduler) throws NetlinkException {
        if (count < 1) {
            throw new IllegalArgumentException("count: " + count + " (expected: >= 1)");
        }
        send(address);
        CompletableFuture<Void> done = new CompletableFuture<>();
        scheduleRest(address, count - 1, interval, scheduler, done);
        return done;
    }

    private void scheduleRest(Inet4Address address, int remaining, Duration interval,
                              ScheduledExecutorService scheduler, CompletableFuture<Void> done) {
        if (remaining == 0) {
            done.complete(null);
            return;
        }
        scheduler.schedule(() -> {
            try {
                send(address);
                scheduleRest(address, remaining - 1, interval, scheduler, done);
            } catch (NetlinkException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        }, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * The Ethernet frame of an ARP announcement (RFC 826 layout): broadcast destination, request
     * opcode, sender and target protocol address both {@code address}, target hardware address
     * zero; padded to the 60-byte minimum.
     */
    static byte[] frame(byte[] mac, Inet4Address address) {
        ByteBuffer b = ByteBuffer.allocate(FRAME_BYTES); // big-endian, as on the wire
        b.put(BROADCAST).put(mac).putShort((short) LibC.ETH_P_ARP);
        b.putShort((short) 1)          // hardware type: Ethernet
                .putShort((short) 0x0800) // protocol type: IPv4
                .put((byte) 6).put((byte) 4)
                .putShort((short) 1);     // opcode: request
        b.put(mac).put(address.getAddress());
        b.put(new byte[6]).put(address.getAddress());
        return b.array();
    }

    private static byte[] hardwareAddress(int fd, String interfaceName) throws NetlinkException {
        // struct ifreq: char ifr_name[IFNAMSIZ]; then the union, here a struct sockaddr whose
        // sa_data starts with the hardware address
        Memory ifreq = new Memory(40);
        ifreq.clear();
        byte[] name = interfaceName.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ifreq.write(0, name, 0, name.length);
        try {
            LibC.INSTANCE.ioctl(fd, new NativeLong(LibC.SIOCGIFHWADDR), ifreq);
        } catch (LastErrorException e) {
            throw new NetlinkException(NetlinkException.Operation.GRATUITOUS_ARP, interfaceName, "SIOCGIFHWADDR",
                    e.getErrorCode());
        }
        byte[] mac = ifreq.getByteArray(LibC.IFNAMSIZ + 2, 6);
        if (Arrays.equals(mac, new byte[6])) {
            throw new NetlinkException(NetlinkException.Operation.GRATUITOUS_ARP, interfaceName,
                    "no hardware address", LibC.EINVAL);
        }
        return mac;
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(fd);
    }
}
