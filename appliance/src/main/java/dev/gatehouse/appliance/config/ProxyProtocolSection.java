package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.tls.net.Cidr;
import dev.gatehouse.tls.net.ProxyProtocolSettings;
import java.time.Duration;
import java.util.List;

/**
 * Checks {@code listeners.proxyProtocol}: the load balancers (an AWS NLB with proxy protocol v2 on its
 * target group, HAProxy with {@code send-proxy}) whose PROXY header names the client. Absent: off.
 */
final class ProxyProtocolSection {

    private static final String AT = "listeners.proxyProtocol";
    /** Longer than this, a stuck balancer connection would hold a slot for nothing: it sends the header first. */
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(1);

    private ProxyProtocolSection() {
    }

    static ProxyProtocolSettings read(ConfigReader r, ConfigFile.ProxyProtocol pp, JsonNode raw) {
        if (pp == null) {
            return ProxyProtocolSettings.OFF;
        }
        List<Cidr> from = r.networks(AT + ".from", pp.from(), raw.path("from"),
                "an IP address or network such as 10.0.0.0/16, 192.0.2.7 or fd00::/8");
        if (ConfigReader.orEmpty(pp.from()).isEmpty() && (raw.path("from").isMissingNode() || raw.path("from").isArray())) {
            r.problem(AT + ".from", raw.path("from"),
                    "the networks of the load balancers that send a PROXY header (e.g. the NLB's subnets), at least one");
        }
        Duration timeout = pp.timeout() == null ? ProxyProtocolSettings.DEFAULT_TIMEOUT : pp.timeout();
        if (timeout.compareTo(MAX_TIMEOUT) > 0) {
            r.problem(AT + ".timeout", raw.path("timeout"), "<= " + ConfigReader.human(MAX_TIMEOUT));
            timeout = ProxyProtocolSettings.DEFAULT_TIMEOUT;
        }
        if (!pp.https() && !pp.http()) {
            r.problem(AT, raw, "https: true or http: true (or no proxyProtocol section)");
        }
        return new ProxyProtocolSettings(from, timeout, pp.https(), pp.http());
    }
}
