package dev.gatehouse.tls.server;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;
import java.net.Inet4Address;
import java.util.List;

/**
 * A classic BPF socket filter on a listening socket that drops every packet addressed to some
 * IPv4 addresses: new connections to them go unanswered (no RST; the client retransmits its SYN
 * a second later) while the connections already accepted carry on, because a socket copies its
 * listener's filter when it is created and keeps that copy. This is how a node holds off new
 * connections on a VIP it is handing over, without closing a listener that serves other addresses.
 *
 * <p>Linux and the epoll transport only (the socket's file descriptor is needed);
 * {@link #apply} says when it cannot.
 */
final class ListenerFilter {

    private static final int SOL_SOCKET = 1;
    private static final int SO_ATTACH_FILTER = 26;
    private static final int SO_DETACH_FILTER = 27;
    private static final int ENOENT = 2;
    /** Classic BPF loads at this offset are relative to the network (IP) header, not the TCP one. */
    private static final int SKF_NET_OFF = -0x100000;
    private static final short LD_B_ABS = 0x30;
    private static final short LD_W_ABS = 0x20;
    private static final short ALU_AND_K = 0x54;
    private static final short JMP_JEQ_K = 0x15;
    private static final short RET_K = 0x06;
    /** A jump offset is one byte: room for this many addresses. */
    static final int MAX_ADDRESSES = 200;

    private ListenerFilter() {
    }

    private interface C extends Library {
        int setsockopt(int fd, int level, int name, Pointer value, int length) throws LastErrorException;
    }

    private static final class Libc {
        static final C C = Native.load("c", C.class);
    }

    /**
     * Makes {@code listener} drop packets to {@code dropped} (none: removes the filter).
     *
     * @return false when this listener cannot be filtered (not an epoll socket)
     * @throws IllegalStateException when the kernel refuses the filter
     */
    static boolean apply(Channel listener, List<Inet4Address> dropped) {
        if (!(listener instanceof UnixChannel unix) || !listener.isOpen()) {
            return false;
        }
        if (dropped.size() > MAX_ADDRESSES) {
            throw new IllegalArgumentException("at most " + MAX_ADDRESSES + " addresses can be drained at once, not "
                    + dropped.size());
        }
        int fd = unix.fd().intValue();
        try {
            if (dropped.isEmpty()) {
                detach(fd);
            } else {
                attach(fd, program(dropped));
            }
            return true;
        } catch (LastErrorException e) {
            throw new IllegalStateException("setsockopt(" + (dropped.isEmpty() ? "SO_DETACH_FILTER" : "SO_ATTACH_FILTER")
                    + ") on listener " + listener.localAddress() + ": errno " + e.getErrorCode(), e);
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    private static void detach(int fd) {
        try {
            Memory unused = new Memory(4); // the kernel wants an int's length for every SOL_SOCKET option
            unused.setInt(0, 0);
            Libc.C.setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, unused, 4);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != ENOENT) { // none attached
                throw e;
            }
        }
    }

    private static void attach(int fd, Memory program) {
        int count = (int) (program.size() / 8);
        Memory fprog = new Memory(16); // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
        fprog.clear();
        fprog.setShort(0, (short) count);
        fprog.setPointer(Native.POINTER_SIZE == 8 ? 8 : 4, program);
        Libc.C.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, Native.POINTER_SIZE == 8 ? 16 : 8);
    }

    /**
     * The program: an IPv4 packet whose destination is one of {@code dropped} is dropped (return 0),
     * everything else is kept whole.
     * <pre>
     *   ldb [net+0]; and #0xf0; jeq #0x40, next, accept    IPv4?
     *   ld  [net+16]                                        destination address
     *   jeq #a1, drop, next ... jeq #an, drop, next
     *   accept: ret #-1
     *   drop:   ret #0
     * </pre>
     */
    static Memory program(List<Inet4Address> dropped) {
        int n = dropped.size();
        Memory m = new Memory(8L * (n + 6));
        int i = 0;
        put(m, i++, LD_B_ABS, 0, 0, SKF_NET_OFF);
        put(m, i++, ALU_AND_K, 0, 0, 0xf0);
        put(m, i++, JMP_JEQ_K, 0, n + 1, 0x40);
        put(m, i++, LD_W_ABS, 0, 0, SKF_NET_OFF + 16);
        for (int a = 0; a < n; a++) {
            byte[] b = dropped.get(a).getAddress();
            int k = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
            put(m, i++, JMP_JEQ_K, n - a, 0, k);
        }
        put(m, i++, RET_K, 0, 0, -1);
        put(m, i, RET_K, 0, 0, 0);
        return m;
    }

    /** struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }, in host byte order. */
    private static void put(Memory m, int index, short code, int jt, int jf, int k) {
        long o = 8L * index;
        m.setShort(o, code);
        m.setByte(o + 2, (byte) jt);
        m.setByte(o + 3, (byte) jf);
        m.setInt(o + 4, k);
    }
}
