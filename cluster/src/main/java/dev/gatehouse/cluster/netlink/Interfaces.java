package dev.gatehouse.cluster.netlink;

import com.sun.jna.Native;

/** Interface name to index, through {@code if_nametoindex(3)}, in the calling thread's namespace. */
final class Interfaces {

    private Interfaces() {
    }

    static int index(String name, NetlinkException.Operation operation, String address) throws NetlinkException {
        if (name == null || name.isEmpty() || name.length() >= LibC.IFNAMSIZ) {
            throw new NetlinkException(operation, String.valueOf(name), address, LibC.EINVAL);
        }
        int index = LibC.INSTANCE.if_nametoindex(name);
        if (index == 0) {
            int errno = Native.getLastError();
            throw new NetlinkException(operation, name, address, errno != 0 ? errno : LibC.ENODEV);
        }
        return index;
    }
}
