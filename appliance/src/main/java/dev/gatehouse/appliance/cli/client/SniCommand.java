package dev.gatehouse.appliance.cli.client;

import static dev.gatehouse.appliance.cli.client.Output.text;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code gatehouse sni explain NAME}: {@code GET /v1/sni/{name}}. */
@Command(name = "sni", mixinStandardHelpOptions = true,
        description = "Explain what the data plane serves for a server name.",
        subcommands = {SniCommand.Explain.class})
public final class SniCommand {

    private SniCommand() {
    }

    /** {@code sni explain NAME}. */
    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = {"Which certificate this node presents for NAME and why (exact, wildcard, default or none), "
                    + "every candidate with its key type, expiry, revision and whether its TLS context is loaded.",
                "An admin token also gets every other cluster member's answer; a tenant token only its own names "
                    + "and certificates."})
    static final class Explain extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "the name a client sends, e.g. app.example.com")
        String name;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            out.show(console.get("/v1/sni/" + ConsoleApiClient.segment(name)), e -> {
                Table table = new Table("NODE", "MATCH", "ECDSA CLIENTS", "OTHER CLIENTS", "CANDIDATE", "TENANT", "KEY",
                        "NOT AFTER", "REVISION", "LOADED", "OUTCOME");
                rows(table, e);
                for (JsonNode m : e.path("otherMembers")) {
                    if (m.path("error").isTextual()) {
                        table.row(text(m, "member"), "error: " + text(m, "error"), null, null, null, null, null, null,
                                null, null, null);
                    } else {
                        rows(table, m);
                    }
                }
                out.table(table);
                if (e.path("withheld").asBoolean()) {
                    out.note("note: what this node would serve for " + text(e, "name") + " is not your tenant's "
                            + "certificate; its details are withheld");
                }
            });
        }

        private static void rows(Table table, JsonNode e) {
            String node = text(e, "node");
            String match = text(e, "match") + (e.path("pattern").isTextual() ? " " + text(e, "pattern") : "");
            String ec = orRefused(e.path("served"), "ecdsa");
            String rsa = orRefused(e.path("served"), "rsa");
            if (e.path("candidates").isEmpty()) {
                table.row(node, match, ec, rsa, null, null, null, null, null, null, null);
            }
            for (JsonNode c : e.path("candidates")) {
                table.row(node, match, ec, rsa, text(c, "id"), text(c, "tenant"), text(c, "keyType"),
                        text(c, "notAfter"), text(c, "revision"), c.path("contextLoaded").asBoolean() ? "yes" : "no",
                        text(c, "outcome"));
            }
        }

        private static String orRefused(JsonNode served, String kind) {
            return served.path(kind).isTextual() ? served.path(kind).asText() : "(refused)";
        }
    }
}
