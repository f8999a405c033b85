package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.tls.net.Cidr;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads and checks the {@code metrics:} section (the Prometheus management listener). */
final class MetricsSection {

    private static final String AT = "metrics";

    private MetricsSection() {
    }

    static GatehouseConfig.Metrics read(ConfigReader r, JsonNode m, InetSocketAddress https,
            InetSocketAddress console) {
        r.onlyKnown(AT, m, Set.of("enabled", "listen", "token", "tokenFile", "allow", "tenantLabels", "hostLabels"));
        boolean enabled = r.bool(AT, m, "enabled", true);
        InetSocketAddress listen = r.address(AT, m, "listen", "127.0.0.1:9464", false);
        if (listen != null && listen.getPort() != 0) {
            if (listen.equals(https)) {
                r.problem("metrics.listen", m.get("listen"), "an address other than listeners.https " + https);
            } else if (listen.equals(console)) {
                r.problem("metrics.listen", m.get("listen"), "an address other than console.listen " + console);
            }
        }
        String token = r.string(AT, m, "token", null);
        String tokenFile = r.string(AT, m, "tokenFile", null);
        if (token != null && tokenFile != null) {
            r.problem("metrics.tokenFile", m.get("tokenFile"), "either metrics.token or metrics.tokenFile, not both");
        }
        if (token != null && (token.length() < 16 || token.chars().anyMatch(c -> c <= ' ' || c > '~'))) {
            // never echo a token: the problem names the field and what is wrong only
            r.problem("metrics.token", com.fasterxml.jackson.databind.node.TextNode.valueOf("<" + token.length()
                    + " characters>"), "at least 16 printable ASCII characters without spaces");
        }
        List<Cidr> allow = new ArrayList<>();
        List<JsonNode> nets = r.list(AT, m, "allow");
        for (int i = 0; i < nets.size(); i++) {
            Cidr c = Cidr.parse(nets.get(i).asText()).orElse(null);
            if (c == null) {
                r.problem("metrics.allow[" + i + "]", nets.get(i),
                        "an IP address or network such as 10.0.0.0/8, 192.0.2.7 or fd00::/8");
            } else {
                allow.add(c);
            }
        }
        int tenantLabels = r.integer(AT, m, "tenantLabels", 0, 0, 10_000);
        int hostLabels = r.integer(AT, m, "hostLabels", 0, 0, 10_000);
        return new GatehouseConfig.Metrics(enabled, listen, token, tokenFile == null ? null : Path.of(tokenFile),
                List.copyOf(allow), tenantLabels, hostLabels);
    }
}
