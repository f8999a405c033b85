package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.tls.backend.DnsSettings;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the {@code dns:} section once bound: the nameservers backend host names are resolved with
 * (asynchronously, on the event loops; answers cached for their TTL). Without it, the system's
 * {@code /etc/resolv.conf} applies. A nameserver is an IP address, port 53 unless given.
 */
final class DnsSection {

    private DnsSection() {
    }

    static DnsSettings read(ConfigReader r, ConfigFile.Dns d, JsonNode raw) {
        DnsSettings dflt = DnsSettings.system();
        List<InetSocketAddress> servers = new ArrayList<>();
        List<String> written = ConfigReader.orEmpty(d.servers());
        for (int i = 0; i < written.size(); i++) {
            InetSocketAddress a = nameserver(written.get(i));
            if (a != null) {
                servers.add(a);
            } else {
                r.problem("dns.servers[" + i + "]", raw.path("servers").path(i),
                        "an IP address with an optional port, such as 10.0.0.2, 10.0.0.2:53 or [fd00::53]:53");
            }
        }
        return new DnsSettings(servers, d.queryTimeout() == null ? dflt.queryTimeout() : d.queryTimeout(),
                d.maxTtl() == null ? dflt.maxTtl() : d.maxTtl(),
                d.negativeTtl() == null ? dflt.negativeTtl() : d.negativeTtl());
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
