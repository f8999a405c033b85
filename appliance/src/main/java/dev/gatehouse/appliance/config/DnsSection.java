package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.tls.backend.DnsSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads and checks the {@code dns:} section: the nameservers backend host names are resolved
 * with (asynchronously, on the event loops; answers cached for their TTL). Without it, the
 * system's {@code /etc/resolv.conf} applies. A nameserver is an IP address, port 53 unless given.
 */
final class DnsSection {

    private static final String AT = "dns";

    private DnsSection() {
    }

    static DnsSettings read(ConfigReader r, JsonNode d) {
        r.onlyKnown(AT, d, Set.of("servers", "queryTimeout", "maxTtl", "negativeTtl"));
        DnsSettings dflt = DnsSettings.system();
        List<InetSocketAddress> servers = new ArrayList<>();
        List<JsonNode> list = r.list(AT, d, "servers");
        for (int i = 0; i < list.size(); i++) {
            InetSocketAddress a = nameserver(list.get(i).asText());
            if (a == null) {
                r.problem("dns.servers[" + i + "]", list.get(i),
                        "an IP address with an optional port, such as 10.0.0.2, 10.0.0.2:53 or [fd00::53]:53");
            } else {
                servers.add(a);
            }
        }
        Duration queryTimeout = r.duration(AT, d, "queryTimeout", dflt.queryTimeout(), Duration.ofMillis(10));
        Duration maxTtl = r.duration(AT, d, "maxTtl", dflt.maxTtl(), Duration.ofSeconds(1));
        Duration negativeTtl = r.duration(AT, d, "negativeTtl", dflt.negativeTtl());
        return new DnsSettings(servers, queryTimeout, maxTtl, negativeTtl);
    }

    /** {@code 10.0.0.2}, {@code 10.0.0.2:5353}, {@code [fd00::53]:53} or {@code fd00::53}; null when not one. */
    static InetSocketAddress nameserver(String v) {
        if (v == null || v.isBlank()) {
            return null;
        }
        boolean bareIpv6 = !v.startsWith("[") && v.indexOf(':') != v.lastIndexOf(':');
        if (ConfigReader.isIpv4(v) || bareIpv6 || (v.startsWith("[") && v.endsWith("]"))) {
            v = (bareIpv6 ? "[" + v + "]" : v) + ":53";
        }
        InetSocketAddress a = ConfigReader.parseAddress(v);
        if (a == null || a.getPort() == 0 || v.startsWith("localhost")) {
            return null;
        }
        return a;
    }
}
