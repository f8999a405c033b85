package dev.gatehouse.appliance.cli.client;

import static dev.gatehouse.appliance.cli.client.Output.text;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

/** {@code gatehouse status}: {@code GET /v1/status} as label/value lines (any token). */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the node: readiness, listeners, certificates served and stored, cluster members, membership view, "
                + "VIP owners and health, backend servers' health (--json: also counters).")
public final class StatusCommand extends ClientCommand {

    @Override
    void run(ConsoleApiClient console, Output out) throws ClientException {
        out.show(console.get("/v1/status"), s -> {
            JsonNode listeners = s.path("listeners");
            Table table = new Table()
                    .row("Node", text(s, "node"))
                    .row("Version", text(s, "version"))
                    .row("Ready", s.path("ready").asBoolean() ? "yes" : "no")
                    .row("Uptime", text(s, "uptimeSeconds") + "s")
                    .row("TLS", text(s, "tls") + " (" + text(s, "transport") + " transport)")
                    .row("HTTPS", text(listeners, "https"))
                    .row("HTTP", text(listeners, "http"))
                    .row("Console", text(listeners, "console"))
                    .row("Certificates", text(s, "certificates"))
                    .row("Stored certificates", text(s, "storedCertificates"))
                    .row("Rejected store entries", text(s, "rejectedStoreEntries"))
                    .row("Sealing key", keys(s.path("keys")))
                    .row("To re-seal", reseal(s.path("keys")))
                    .row("Cached TLS contexts", text(s, "cachedTlsContexts"))
                    .row("In-flight requests", text(s, "inflightRequests"));
            JsonNode cluster = s.get("cluster"); // only on clustered nodes
            if (cluster != null && cluster.isObject()) {
                table.row("Cluster", text(cluster, "name") + " (members: " + Output.joined(cluster, "members") + ")")
                        .row("Rejected grid entries", text(cluster, "rejectedGridEntries"));
                JsonNode m = cluster.get("membership");
                if (m != null && m.isObject()) {
                    table.row("Membership view", text(m, "view") + " (members: " + Output.joined(m, "members")
                            + ", coordinator: " + text(m, "coordinator") + ")");
                }
                JsonNode ha = cluster.get("ha");
                if (ha != null && ha.isObject()) {
                    JsonNode h = ha.path("health");
                    table.row("VIP health", h.path("healthy").asBoolean() ? "healthy since " + text(h, "since")
                            : "unhealthy: " + text(h, "problem"));
                    table.row("VIP driver", text(ha, "driver") + " (failback: " + text(ha, "failback") + ")");
                    for (JsonNode v : ha.path("vips")) {
                        String owner = v.path("owner").isTextual() ? v.path("owner").asText() : "(none)";
                        String line = owner + (v.path("heldHere").asBoolean() ? ", held here" : "")
                                + (v.path("preferredOwner").isTextual() ? ", prefers " + v.path("preferredOwner").asText() : "")
                                + (v.path("lastError").isTextual() ? ", last error: " + v.path("lastError").asText() : "");
                        table.row("VIP " + text(v, "address") + "/" + text(v, "prefixLength") + " " + text(v, "interface"),
                                line);
                    }
                }
            }
            for (JsonNode pool : s.path("pools")) { // admin token only
                String header = text(pool, "proxyProtocol");
                if (pool.path("proxyProtocol").isTextual() && !header.equals("off")) {
                    table.row("Pool " + text(pool, "name"), "PROXY protocol " + header + " header on every server connection");
                }
                for (JsonNode sv : pool.path("servers")) {
                    String state = text(sv, "status") + (sv.path("since").isTextual() ? " since " + text(sv, "since") : "")
                            + (sv.path("lastError").isTextual() ? ", last error: " + text(sv, "lastError") : "")
                            + (sv.path("checked").asBoolean() ? "" : " (no active check)");
                    table.row("Pool " + text(pool, "name") + " " + text(sv, "server"), state);
                }
            }
            out.table(table);
        });
    }

    /** {@code 1a2b… (cluster.keyFile); also loaded: 3c4d… (cluster.previousKeyFile)}. */
    private static String keys(JsonNode k) {
        if (!k.isObject()) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        StringBuilder others = new StringBuilder();
        for (JsonNode l : k.path("loaded")) {
            String one = l.path("id").asText() + " (" + l.path("source").asText() + ")";
            if (l.path("seals").asBoolean()) {
                b.append(one);
            } else {
                others.append(others.length() == 0 ? "" : ", ").append(one);
            }
        }
        return others.length() == 0 ? b.toString() : b + "; also loaded: " + others;
    }

    private static String reseal(JsonNode k) {
        if (!k.isObject()) {
            return "-";
        }
        JsonNode grid = k.get("gridEntriesToReseal");
        return k.path("privateKeysToReseal").asText() + " private key(s) here"
                + (grid == null ? "" : ", " + (grid.isNull() ? "? (no pass yet)" : grid.asText()) + " grid entries");
    }
}
