package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.gatehouse.tls.net.Cidr;
import java.net.InetSocketAddress;
import java.util.List;

/** Checks the {@code metrics:} section (the Prometheus management listener) once bound. */
final class MetricsSection {

    private MetricsSection() {
    }

    static GatehouseConfig.Metrics read(ConfigReader r, ConfigFile.Metrics m, JsonNode raw, InetSocketAddress https,
            InetSocketAddress console) {
        InetSocketAddress listen = m.listen();
        if (listen != null && listen.getPort() != 0) {
            if (listen.equals(https)) {
                r.problem("metrics.listen", raw.path("listen"), "an address other than listeners.https " + https);
            } else if (listen.equals(console)) {
                r.problem("metrics.listen", raw.path("listen"), "an address other than console.listen " + console);
            }
        }
        String token = m.token();
        if (token != null && ConfigReader.isScalar(raw.path("tokenFile"))) {
            r.problem("metrics.tokenFile", raw.path("tokenFile"),
                    "either metrics.token or metrics.tokenFile, not both");
        }
        if (token != null && (token.length() < 16 || token.chars().anyMatch(c -> c <= ' ' || c > '~'))) {
            // never echo a token: the problem names the field and what is wrong only
            r.problem("metrics.token", TextNode.valueOf("<" + token.length() + " characters>"),
                    "at least 16 printable ASCII characters without spaces");
        }
        List<Cidr> allow = r.networks("metrics.allow", m.allow(), raw.path("allow"),
                "an IP address or network such as 10.0.0.0/8, 192.0.2.7 or fd00::/8");
        return new GatehouseConfig.Metrics(m.enabled(), listen, token, m.tokenFile(), allow,
                m.tenantLabels(), m.hostLabels());
    }
}
