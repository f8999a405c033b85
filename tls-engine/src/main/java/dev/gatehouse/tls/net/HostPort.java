package dev.gatehouse.tls.net;

/**
 * A {@code host:port} as configuration and the API write it: {@code backend.internal:8080},
 * {@code 10.0.0.7:443}, {@code [fd00::7]:443}. The one place such a value is split (the port after
 * the last colon, the brackets of an IPv6 literal removed); what a host must be (an address, a
 * name) is each caller's rule. For a Host header's value see {@code Hostnames.withoutPort}.
 *
 * @param host      the host without brackets; may be empty ({@code :80})
 * @param port      0-65535
 * @param bracketed the host was written in brackets (an IPv6 literal)
 */
public record HostPort(String host, int port, boolean bracketed) {

    /** The parts of {@code text}, or null when it has no colon or no port 0-65535 after the last one. */
    public static HostPort parse(String text) {
        if (text == null) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            return null;
        }
        String host = text.substring(0, colon);
        boolean bracketed = host.startsWith("[") && host.endsWith("]") && host.length() >= 2;
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        return port < 0 || port > 65535 ? null : new HostPort(host, port, bracketed);
    }

    @Override
    public String toString() {
        return (bracketed ? "[" + host + "]" : host) + ":" + port;
    }
}
