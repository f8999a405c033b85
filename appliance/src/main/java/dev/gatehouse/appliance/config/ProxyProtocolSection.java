package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.tls.net.Cidr;
import dev.gatehouse.tls.net.ProxyProtocolSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads and checks {@code listeners.proxyProtocol}: the load balancers (an AWS NLB with proxy
 * protocol v2 on its target group, HAProxy with {@code send-proxy}) whose PROXY header names the
 * client. Absent: off.
 */
final class ProxyProtocolSection {

    private static final String AT = "listeners.proxyProtocol";
    /** Longer than this, a stuck balancer connection would hold a slot for nothing: it sends the header first. */
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(1);

    private ProxyProtocolSection() {
    }

    static ProxyProtocolSettings read(ConfigReader r, JsonNode listeners) {
        JsonNode pp = r.object("listeners", listeners, "proxyProtocol");
        if (pp == null) {
            return ProxyProtocolSettings.OFF;
        }
        r.onlyKnown(AT, pp, Set.of("from", "timeout", "https", "http"));
        List<Cidr> from = new ArrayList<>();
        List<JsonNode> nets = r.list(AT, pp, "from");
        for (int i = 0; i < nets.size(); i++) {
            Cidr c = nets.get(i).isTextual() ? Cidr.parse(nets.get(i).asText()).orElse(null) : null;
            if (c == null) {
                r.problem(AT + ".from[" + i + "]", nets.get(i),
                        "an IP address or network such as 10.0.0.0/16, 192.0.2.7 or fd00::/8");
            } else {
                from.add(c);
            }
        }
        if (nets.isEmpty() && (pp.get("from") == null || pp.get("from").isArray())) {
            r.problem(AT + ".from", pp.get("from"),
                    "the networks of the load balancers that send a PROXY header (e.g. the NLB's subnets), at least one");
        }
        Duration timeout = r.duration(AT, pp, "timeout", ProxyProtocolSettings.DEFAULT_TIMEOUT, Duration.ofMillis(100));
        if (timeout.compareTo(MAX_TIMEOUT) > 0) {
            r.problem(AT + ".timeout", pp.get("timeout"), "<= " + ConfigReader.human(MAX_TIMEOUT));
            timeout = ProxyProtocolSettings.DEFAULT_TIMEOUT;
        }
        boolean https = r.bool(AT, pp, "https", true);
        boolean http = r.bool(AT, pp, "http", true);
        if (!https && !http) {
            r.problem(AT, pp, "https: true or http: true (or no proxyProtocol section)");
        }
        return new ProxyProtocolSettings(from, timeout, https, http);
    }
}
