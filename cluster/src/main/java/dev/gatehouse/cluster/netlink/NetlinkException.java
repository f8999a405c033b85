package dev.gatehouse.cluster.netlink;

import java.io.IOException;
import java.util.Map;

/**
 * A kernel call about an interface failed: which operation, on which interface, for which
 * address, and the errno the kernel gave.
 */
public final class NetlinkException extends IOException {

    /** What Gatehouse was doing. */
    public enum Operation {
        RESOLVE_INTERFACE, ADD_ADDRESS, DELETE_ADDRESS, LIST_ADDRESSES, OPEN_SOCKET, GRATUITOUS_ARP
    }

    private static final Map<Integer, String> NAMES = Map.of(
            LibC.EPERM, "EPERM", LibC.ENOENT, "ENOENT", LibC.ENODEV, "ENODEV", LibC.EEXIST, "EEXIST",
            LibC.EINVAL, "EINVAL", LibC.EADDRNOTAVAIL, "EADDRNOTAVAIL", 11, "EAGAIN", 13, "EACCES",
            93, "EPROTONOSUPPORT", 97, "EAFNOSUPPORT");

    private final Operation operation;
    private final String interfaceName;
    private final String address;
    private final int errno;

    NetlinkException(Operation operation, String interfaceName, String address, int errno) {
        super(operation.name().toLowerCase(java.util.Locale.ROOT) + " interface=" + interfaceName
                + (address == null ? "" : " address=" + address) + ": errno " + errno + " " + errnoName(errno)
                + " (" + describe(errno) + ")");
        this.operation = operation;
        this.interfaceName = interfaceName;
        this.address = address;
        this.errno = errno;
    }

    public Operation operation() {
        return operation;
    }

    public String interfaceName() {
        return interfaceName;
    }

    /** The address concerned, e.g. {@code 198.18.0.10/24}, or null. */
    public String address() {
        return address;
    }

    public int errno() {
        return errno;
    }

    /** The symbolic name of {@code errno} for the common cases, e.g. {@code EEXIST}. */
    public static String errnoName(int errno) {
        return NAMES.getOrDefault(errno, "errno" + errno);
    }

    private static String describe(int errno) {
        try {
            return LibC.INSTANCE.strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            return "strerror unavailable";
        }
    }
}
