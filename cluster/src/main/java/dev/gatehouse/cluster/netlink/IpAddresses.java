package dev.gatehouse.cluster.netlink;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds, removes and lists IPv4 addresses on an interface over rtnetlink (rtnetlink(7):
 * RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR), through JNA: no {@code ip} subprocess. Adding an
 * address that is already there and removing one that is not are successes, so a VIP driver can
 * repeat itself safely (after a restart, or on every plan).
 *
 * <p>Works in the network namespace of the thread that opened it (interfaces are resolved by the
 * calling thread). Needs {@code CAP_NET_ADMIN} to change addresses; listing needs nothing.
 * Thread-safe: one request at a time.
 */
public final class IpAddresses implements AutoCloseable {

    private final NetlinkSocket socket;

    private IpAddresses(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Opens an rtnetlink socket. */
    public static IpAddresses open() throws NetlinkException {
        try {
            return new IpAddresses(NetlinkSocket.open());
        } catch (LastErrorException e) {
            throw new NetlinkException(NetlinkException.Operation.OPEN_SOCKET, "-", "netlink", e.getErrorCode());
        }
    }

    /**
     * Puts {@code address/prefixLength} on {@code interfaceName}.
     *
     * @return true if it was added, false if it was already there (EEXIST)
     */
    public synchronized boolean add(String interfaceName, Inet4Address address, int prefixLength)
            throws NetlinkException {
        AssignedAddress target = AssignedAddress.of(address, prefixLength);
        int index = Interfaces.index(interfaceName, NetlinkException.Operation.ADD_ADDRESS, target.toString());
        int errno = request(RtNetlink.RTM_NEWADDR,
                (short) (RtNetlink.NLM_F_REQUEST | RtNetlink.NLM_F_ACK | RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_EXCL),
                index, prefixLength, address, true);
        if (errno == LibC.EEXIST) {
            return false;
        }
        if (errno != 0) {
            throw new NetlinkException(NetlinkException.Operation.ADD_ADDRESS, interfaceName, target.toString(), errno);
        }
        return true;
    }

    /**
     * Removes {@code address} from {@code interfaceName}, whatever its prefix length.
     *
     * @return true if it was removed, false if it was not there (EADDRNOTAVAIL or ENOENT)
     */
    public synchronized boolean delete(String interfaceName, Inet4Address address) throws NetlinkException {
        String what = address.getHostAddress();
        int index = Interfaces.index(interfaceName, NetlinkException.Operation.DELETE_ADDRESS, what);
        int errno = request(RtNetlink.RTM_DELADDR, (short) (RtNetlink.NLM_F_REQUEST | RtNetlink.NLM_F_ACK),
                index, 0, address, false);
        if (errno == LibC.EADDRNOTAVAIL || errno == LibC.ENOENT) {
            return false;
        }
        if (errno != 0) {
            throw new NetlinkException(NetlinkException.Operation.DELETE_ADDRESS, interfaceName, what, errno);
        }
        return true;
    }

    /** The IPv4 addresses on {@code interfaceName}, in the kernel's order (an RTM_GETADDR dump). */
    public synchronized List<AssignedAddress> list(String interfaceName) throws NetlinkException {
        int index = Interfaces.index(interfaceName, NetlinkException.Operation.LIST_ADDRESSES, null);
        int seq = socket.nextSequence();
        RtNetlink.IfAddrMsg filter = new RtNetlink.IfAddrMsg();
        filter.ifa_family = LibC.AF_INET;
        byte[] request = new NetlinkSocket.Builder(RtNetlink.RTM_GETADDR,
                (short) (RtNetlink.NLM_F_REQUEST | RtNetlink.NLM_F_DUMP), seq).add(filter).build();
        List<AssignedAddress> out = new ArrayList<>();
        int errno;
        try {
            errno = socket.transact(request, seq, (header, payload, length) -> {
                if (header.nlmsg_type == RtNetlink.RTM_NEWADDR) {
                    parse(payload, length, index, out);
                }
            });
        } catch (LastErrorException e) {
            errno = e.getErrorCode();
        }
        if (errno != 0) {
            throw new NetlinkException(NetlinkException.Operation.LIST_ADDRESSES, interfaceName, null, errno);
        }
        return out;
    }

    private int request(short type, short flags, int index, int prefixLength, Inet4Address address,
                        boolean withPeer) {
        int seq = socket.nextSequence();
        RtNetlink.IfAddrMsg msg = new RtNetlink.IfAddrMsg();
        msg.ifa_family = LibC.AF_INET;
        msg.ifa_prefixlen = (byte) prefixLength;
        msg.ifa_scope = RtNetlink.RT_SCOPE_UNIVERSE;
        msg.ifa_index = index;
        NetlinkSocket.Builder builder = new NetlinkSocket.Builder(type, flags, seq).add(msg)
                .attribute(RtNetlink.IFA_LOCAL, address.getAddress());
        if (withPeer) {
            // as ip(8) does: on a non point-to-point link IFA_ADDRESS equals IFA_LOCAL. Left out of
            // deletes, where it would make the kernel also match the prefix length.
            builder.attribute(RtNetlink.IFA_ADDRESS, address.getAddress());
        }
        try {
            return socket.transact(builder.build(), seq, (header, payload, length) -> { });
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    private static void parse(Pointer payload, int length, int index, List<AssignedAddress> out) {
        RtNetlink.IfAddrMsg msg = new RtNetlink.IfAddrMsg(payload);
        if (msg.ifa_index != index || msg.ifa_family != LibC.AF_INET) {
            return;
        }
        byte[] local = null;
        byte[] peer = null;
        int offset = RtNetlink.align(msg.size());
        while (offset + 4 <= length) {
            RtNetlink.RtAttr attr = new RtNetlink.RtAttr(payload.share(offset));
            int attrLength = attr.rta_len & 0xffff;
            if (attrLength < 4 || offset + attrLength > length) {
                break;
            }
            if (attrLength == 8 && attr.rta_type == RtNetlink.IFA_LOCAL) {
                local = payload.getByteArray(offset + 4, 4);
            } else if (attrLength == 8 && attr.rta_type == RtNetlink.IFA_ADDRESS) {
                peer = payload.getByteArray(offset + 4, 4);
            }
            offset += RtNetlink.align(attrLength);
        }
        byte[] raw = local != null ? local : peer;
        if (raw != null) {
            try {
                out.add(AssignedAddress.of((Inet4Address) InetAddress.getByAddress(raw), msg.ifa_prefixlen & 0xff));
            } catch (UnknownHostException e) {
                throw new IllegalStateException("4 bytes are always an IPv4 address", e);
            }
        }
    }

    @Override
    public synchronized void close() {
        socket.close();
    }
}
