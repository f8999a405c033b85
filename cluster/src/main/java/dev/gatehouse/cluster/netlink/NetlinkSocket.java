package dev.gatehouse.cluster.netlink;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import java.io.ByteArrayOutputStream;

/**
 * One {@code NETLINK_ROUTE} socket (rtnetlink(7)): sends a request and reads the kernel's answer
 * to it, matched by sequence number, until the ACK or error (plain requests) or NLMSG_DONE
 * (dumps). Receives time out after five seconds rather than hang. Not thread-safe.
 */
final class NetlinkSocket implements AutoCloseable {

    private static final int BUFFER = 64 * 1024;
    private static final long RECEIVE_TIMEOUT_MILLIS = 5_000;

    /** A data message of an answer: its header and where its payload lies. */
    interface Handler {
        void message(RtNetlink.NlMsgHdr header, Pointer payload, int payloadLength);
    }

    private final int fd;
    private int sequence = (int) (System.nanoTime() & 0x3fffffff);

    private NetlinkSocket(int fd) {
        this.fd = fd;
    }

    /** Opens and binds a socket; errno travels in the exception. */
    static NetlinkSocket open() throws LastErrorException {
        LibC libc = LibC.INSTANCE;
        int fd = libc.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE);
        try {
            LibC.SockaddrNl local = new LibC.SockaddrNl();
            libc.bind(fd, local, local.size());
            LibC.Timeval timeout = LibC.Timeval.ofMillis(RECEIVE_TIMEOUT_MILLIS);
            libc.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeout, timeout.size());
        } catch (LastErrorException e) {
            libc.close(fd);
            throw e;
        }
        return new NetlinkSocket(fd);
    }

    int nextSequence() {
        sequence = (sequence + 1) & 0x7fffffff;
        return sequence;
    }

    /**
     * Sends {@code request} (whose header carries {@code seq}) and reads the answer.
     *
     * @return 0 on success, else the errno the kernel answered with
     */
    int transact(byte[] request, int seq, Handler handler) throws LastErrorException {
        LibC.SockaddrNl kernel = new LibC.SockaddrNl();
        LibC.INSTANCE.sendto(fd, request, new NativeLong(request.length), 0, kernel, kernel.size());
        byte[] buffer = new byte[BUFFER];
        Memory memory = new Memory(BUFFER);
        while (true) {
            int n = LibC.INSTANCE.recv(fd, buffer, new NativeLong(BUFFER), 0).intValue();
            memory.write(0, buffer, 0, n);
            int offset = 0;
            while (offset + 16 <= n) {
                RtNetlink.NlMsgHdr header = new RtNetlink.NlMsgHdr(memory.share(offset));
                if (header.nlmsg_len < 16 || offset + header.nlmsg_len > n) {
                    break; // truncated: cannot happen with a 64 KiB buffer, but never loop on it
                }
                if (header.nlmsg_seq == seq) {
                    Pointer payload = memory.share(offset + 16);
                    int payloadLength = header.nlmsg_len - 16;
                    if (header.nlmsg_type == RtNetlink.NLMSG_ERROR) {
                        return -new RtNetlink.NlMsgErr(payload).error;
                    }
                    if (header.nlmsg_type == RtNetlink.NLMSG_DONE) {
                        return 0;
                    }
                    handler.message(header, payload, payloadLength);
                    if ((header.nlmsg_flags & RtNetlink.NLM_F_MULTI) == 0) {
                        return 0;
                    }
                }
                offset += RtNetlink.align(header.nlmsg_len);
            }
        }
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(fd);
    }

    /** A request: a header, then structures and attributes, each padded to 4 bytes. */
    static final class Builder {
        private final RtNetlink.NlMsgHdr header;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Builder(short type, short flags, int seq) {
            header = new RtNetlink.NlMsgHdr();
            header.nlmsg_type = type;
            header.nlmsg_flags = flags;
            header.nlmsg_seq = seq;
        }

        Builder add(Structure s) {
            return raw(body, bytes(s));
        }

        Builder attribute(short type, byte[] value) {
            RtNetlink.RtAttr attr = new RtNetlink.RtAttr();
            attr.rta_len = (short) (attr.size() + value.length);
            attr.rta_type = type;
            add(attr);
            return raw(body, value);
        }

        byte[] build() {
            header.nlmsg_len = header.size() + body.size();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            raw(out, bytes(header));
            out.writeBytes(body.toByteArray());
            return out.toByteArray();
        }

        private static byte[] bytes(Structure s) {
            s.write();
            return s.getPointer().getByteArray(0, s.size());
        }

        private Builder raw(ByteArrayOutputStream out, byte[] bytes) {
            out.write(bytes, 0, bytes.length);
            for (int pad = RtNetlink.align(bytes.length) - bytes.length; pad > 0; pad--) {
                out.write(0);
            }
            return this;
        }
    }
}
