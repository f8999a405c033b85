package dev.gatehouse.appliance.cli;

import java.net.InetSocketAddress;

/** Parsing of {@code host:port} options with errors that name the option. */
final class EdgeOptions {

    private EdgeOptions() {
    }

    static InetSocketAddress address(String option, String value) {
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(option + ": '" + value + "' (expected: host:port)");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + value + "' (expected: a numeric port)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + ": port " + port + " (expected: 0-65535)");
        }
        return host.isEmpty() || host.equals("*") ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }
}
