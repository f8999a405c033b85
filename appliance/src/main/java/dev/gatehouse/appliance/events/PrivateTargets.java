package dev.gatehouse.appliance.events;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Whether a webhook target is inside the operator's network: loopback, link-local (cloud metadata
 * at 169.254.169.254), RFC 1918, carrier-grade NAT (100.64.0.0/10), IPv6 unique-local (fc00::/7),
 * unspecified or multicast. A webhook a tenant token created must not reach such addresses unless
 * {@code events.allowPrivateTargets} is on: its delivery state (status, error) would otherwise let
 * a tenant probe the internal network from the edge.
 *
 * <p>Checked when the webhook is created and again before every POST; the HTTP client resolves the
 * name once more when it connects, so a name whose DNS answer changes between the two (rebinding)
 * can still slip through for one request. Operators who need a hard guarantee filter egress from the
 * nodes as well.
 */
public final class PrivateTargets {

    private PrivateTargets() {
    }

    /** The first private address {@code host} is or resolves to; null when none (or it does not resolve). */
    public static InetAddress privateAddressOf(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            for (InetAddress a : InetAddress.getAllByName(h)) {
                if (isPrivate(a)) {
                    return a;
                }
            }
        } catch (UnknownHostException e) {
            return null;
        }
        return null;
    }

    static boolean isPrivate(InetAddress a) {
        if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isAnyLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address) {
            return (b[0] & 0xfe) == 0xfc; // fc00::/7 unique local
        }
        return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64 // 100.64.0.0/10
                || (b[0] & 0xff) == 0; // 0.0.0.0/8
    }
}
