package dev.gatehouse.cluster.netlink;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * rtnetlink message layouts and constants ({@code <linux/netlink.h>}, {@code <linux/rtnetlink.h>},
 * {@code <linux/if_addr.h>}; see rtnetlink(7) and RFC 3549). All fields are in host byte order.
 */
final class RtNetlink {

    static final short NLMSG_ERROR = 2;
    static final short NLMSG_DONE = 3;
    static final short RTM_NEWADDR = 20;
    static final short RTM_DELADDR = 21;
    static final short RTM_GETADDR = 22;

    static final short NLM_F_REQUEST = 0x1;
    static final short NLM_F_MULTI = 0x2;
    static final short NLM_F_ACK = 0x4;
    static final short NLM_F_EXCL = 0x200;
    static final short NLM_F_CREATE = 0x400;
    static final short NLM_F_DUMP = 0x300;

    static final short IFA_ADDRESS = 1;
    static final short IFA_LOCAL = 2;

    static final byte RT_SCOPE_UNIVERSE = 0;

    private RtNetlink() {
    }

    /** Netlink messages and attributes are padded to 4 bytes. */
    static int align(int length) {
        return (length + 3) & ~3;
    }

    /** {@code struct nlmsghdr}: every netlink message starts with it. */
    @FieldOrder({"nlmsg_len", "nlmsg_type", "nlmsg_flags", "nlmsg_seq", "nlmsg_pid"})
    public static class NlMsgHdr extends Structure {
        public int nlmsg_len;
        public short nlmsg_type;
        public short nlmsg_flags;
        public int nlmsg_seq;
        public int nlmsg_pid;

        public NlMsgHdr() {
        }

        public NlMsgHdr(Pointer p) {
            super(p);
            read();
        }
    }

    /** {@code struct nlmsgerr}: the payload of NLMSG_ERROR; error 0 is an ACK, else -errno. */
    @FieldOrder({"error", "msg"})
    public static class NlMsgErr extends Structure {
        public int error;
        public NlMsgHdr msg;

        public NlMsgErr(Pointer p) {
            super(p);
            read();
        }
    }

    /** {@code struct ifaddrmsg}: which address family, prefix and interface an address message is about. */
    @FieldOrder({"ifa_family", "ifa_prefixlen", "ifa_flags", "ifa_scope", "ifa_index"})
    public static class IfAddrMsg extends Structure {
        public byte ifa_family;
        public byte ifa_prefixlen;
        public byte ifa_flags;
        public byte ifa_scope;
        public int ifa_index;

        public IfAddrMsg() {
        }

        public IfAddrMsg(Pointer p) {
            super(p);
            read();
        }
    }

    /** {@code struct rtattr}: a type-length header before each attribute's value. */
    @FieldOrder({"rta_len", "rta_type"})
    public static class RtAttr extends Structure {
        public short rta_len;
        public short rta_type;

        public RtAttr() {
        }

        public RtAttr(Pointer p) {
            super(p);
            read();
        }
    }
}
