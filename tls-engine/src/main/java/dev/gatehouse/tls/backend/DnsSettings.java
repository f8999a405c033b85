package dev.gatehouse.tls.backend;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How backend host names are resolved. Every lookup is asynchronous, on the event loop that
 * connects, through Netty's DNS resolver (never the JDK's blocking one); answers are cached for
 * their TTL, capped by {@code maxTtl}; names in {@code /etc/hosts} are answered from it.
 *
 * @param servers      nameservers to ask, in order; empty: the system's ({@code /etc/resolv.conf})
 * @param queryTimeout how long one query waits for an answer before the next server is tried
 * @param maxTtl       an answer is cached for its TTL, at most this long
 * @param negativeTtl  how long a name that does not exist (NXDOMAIN) is remembered as such
 */
public record DnsSettings(List<InetSocketAddress> servers, Duration queryTimeout, Duration maxTtl,
        Duration negativeTtl) {

    public DnsSettings {
        servers = List.copyOf(Objects.requireNonNull(servers, "dns.servers"));
        for (InetSocketAddress a : servers) {
            if (a.isUnresolved()) {
                throw new IllegalArgumentException("dns.servers: '" + a.getHostString()
                        + "' (expected: an IP address, a nameserver cannot be found by name)");
            }
        }
        requirePositive("dns.queryTimeout", queryTimeout);
        requirePositive("dns.maxTtl", maxTtl);
        Objects.requireNonNull(negativeTtl, "dns.negativeTtl");
        if (negativeTtl.isNegative()) {
            throw new IllegalArgumentException("dns.negativeTtl: " + negativeTtl + " (expected: >= 0)");
        }
    }

    /** The system's nameservers, 5 s per query, TTLs up to a day, NXDOMAIN remembered 10 s. */
    public static DnsSettings system() {
        return new DnsSettings(List.of(), Duration.ofSeconds(5), Duration.ofDays(1), Duration.ofSeconds(10));
    }

    private static void requirePositive(String field, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(field + ": " + d + " (expected: > 0)");
        }
    }
}
