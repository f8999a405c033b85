package dev.gatehouse.cluster.netlink;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * The few libc calls Gatehouse makes, in the style of JNA's platform bindings: one interface for
 * the library, {@link FieldOrder} structures mirroring the C ones, and errno reported through
 * {@link LastErrorException} (declared, so JNA captures errno right after each call).
 * Linux only (x86-64 and aarch64 layouts: {@code long} is 64 bits).
 */
interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int AF_INET = 2;
    int AF_NETLINK = 16;
    int AF_PACKET = 17;
    int SOCK_RAW = 3;
    int SOCK_CLOEXEC = 0x80000;
    int NETLINK_ROUTE = 0;
    int SOL_SOCKET = 1;
    int SO_RCVTIMEO = 20;
    /** {@code <linux/sockios.h>}: get an interface's hardware address. */
    int SIOCGIFHWADDR = 0x8927;
    int IFNAMSIZ = 16;
    int ETH_P_ARP = 0x0806;

    int EPERM = 1;
    int ENOENT = 2;
    int ENODEV = 19;
    int EEXIST = 17;
    int EINVAL = 22;
    int EADDRNOTAVAIL = 99;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int bind(int fd, Structure addr, int addrlen) throws LastErrorException;

    NativeLong sendto(int fd, byte[] buf, NativeLong len, int flags, Structure addr, int addrlen)
            throws LastErrorException;

    NativeLong recv(int fd, byte[] buf, NativeLong len, int flags) throws LastErrorException;

    int setsockopt(int fd, int level, int option, Structure value, int len) throws LastErrorException;

    int ioctl(int fd, NativeLong request, Pointer arg) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    /**
     * 0 when there is no such interface; then {@link Native#getLastError()} says why. Declared
     * without LastErrorException because glibc may leave errno set on success (it probes socket
     * families internally).
     */
    int if_nametoindex(String name);

    String strerror(int errno);

    /** {@code struct sockaddr_nl} ({@code <linux/netlink.h>}). */
    @FieldOrder({"nl_family", "nl_pad", "nl_pid", "nl_groups"})
    class SockaddrNl extends Structure {
        public short nl_family = AF_NETLINK;
        public short nl_pad;
        public int nl_pid;
        public int nl_groups;
    }

    /** {@code struct sockaddr_ll} ({@code <linux/if_packet.h>}); protocol in network byte order. */
    @FieldOrder({"sll_family", "sll_protocol", "sll_ifindex", "sll_hatype", "sll_pkttype", "sll_halen", "sll_addr"})
    class SockaddrLl extends Structure {
        public short sll_family = AF_PACKET;
        public short sll_protocol;
        public int sll_ifindex;
        public short sll_hatype;
        public byte sll_pkttype;
        public byte sll_halen;
        public byte[] sll_addr = new byte[8];
    }

    /** {@code struct timeval}, for {@code SO_RCVTIMEO}. */
    @FieldOrder({"tv_sec", "tv_usec"})
    class Timeval extends Structure {
        public NativeLong tv_sec;
        public NativeLong tv_usec;

        static Timeval ofMillis(long millis) {
            Timeval t = new Timeval();
            t.tv_sec = new NativeLong(millis / 1000);
            t.tv_usec = new NativeLong((millis % 1000) * 1000);
            return t;
        }
    }

    /** {@code htons} for the 16-bit protocol numbers sockets take in network byte order. */
    static short htons(int value) {
        return (short) (((value & 0xff) << 8) | ((value >> 8) & 0xff));
    }
}
