package dev.gatehouse.appliance.cli.client;

import static dev.gatehouse.appliance.cli.client.Output.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gatehouse webhook ...}: webhook subscriptions, through {@code /v1/webhooks}. */
@Command(name = "webhook", mixinStandardHelpOptions = true,
        description = "Subscribe URLs to lifecycle events, list them with their delivery state, remove them.",
        subcommands = {WebhookCommand.Add.class, WebhookCommand.Ls.class, WebhookCommand.Show.class,
            WebhookCommand.Rm.class})
public final class WebhookCommand {

    private WebhookCommand() {
    }

    /** {@code webhook add URL}: {@code POST /v1/webhooks}; prints the signing secret once. */
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Subscribe URL; prints the signing secret on stdout, once.",
                "E.g. SECRET=$(gatehouse webhook add https://hooks.example.com/gatehouse --type domain.verified)"})
    static final class Add extends ClientCommand {
        @Parameters(index = "0", paramLabel = "URL", description = "https:// or http:// URL")
        String url;

        @Option(names = "--tenant", paramLabel = "TENANT",
                description = "admin token: whose events (default: every event)")
        String tenant;

        @Option(names = "--type", paramLabel = "TYPES", description = "comma-separated event types (default: all)")
        String types;

        @Option(names = "--description", paramLabel = "TEXT", description = "what the webhook is for")
        String description;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            RequestBody body = new RequestBody().put("url", url).putIfGiven("tenant", tenant)
                    .putIfGiven("types", types == null ? null
                            : Arrays.stream(types.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
                    .putIfGiven("description", description);
            out.secret(console.post("/v1/webhooks", body.fields()), "secret", w -> "created webhook " + text(w, "id")
                    + " for " + (text(w, "tenant") == null ? "every tenant" : "tenant " + text(w, "tenant"))
                    + "; the secret is shown only now (it signs each delivery: "
                    + "Gatehouse-Signature: t=...,v1=hex(hmac_sha256(secret, t + \".\" + body)))");
        }
    }

    /** {@code webhook ls}: {@code GET /v1/webhooks}. */
    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List webhooks and where their delivery stands.")
    static final class Ls extends ClientCommand {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            out.items(console.list("/v1/webhooks"), new Table("ID", "TENANT", "URL", "TYPES", "DELIVERED", "CURSOR",
                    "FAILURES", "LAST STATUS", "NEXT ATTEMPT"), (table, w) -> {
                        JsonNode d = w.path("delivery");
                        table.row(text(w, "id"), text(w, "tenant"), text(w, "url"),
                                w.path("types").isEmpty() ? "all" : Output.joined(w, "types"), text(d, "delivered"),
                                text(d, "deliveredCursor"), text(d, "failures"), text(d, "lastStatus"),
                                text(d, "nextAttemptAt"));
                    });
        }
    }

    /** {@code webhook show ID}: {@code GET /v1/webhooks/{id}}. */
    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one webhook and its delivery state.")
    static final class Show extends OnId {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            out.show(console.get(path()), w -> {
                JsonNode d = w.path("delivery");
                out.table(new Table()
                        .row("Id", text(w, "id"))
                        .row("Tenant", text(w, "tenant") == null ? "(every tenant)" : text(w, "tenant"))
                        .row("URL", text(w, "url"))
                        .row("Types", w.path("types").isEmpty() ? "all" : Output.joined(w, "types"))
                        .row("Delivered", text(d, "delivered") + " (up to cursor " + text(d, "deliveredCursor") + ")")
                        .row("Failures", text(d, "failures") + (text(d, "pendingEvent") == null ? ""
                                : " at " + text(d, "pendingEvent")))
                        .row("Last attempt", text(d, "lastAttemptAt") + " status " + text(d, "lastStatus")
                                + (text(d, "lastError") == null ? "" : ": " + text(d, "lastError")))
                        .row("Next attempt", text(d, "nextAttemptAt")));
            });
        }
    }

    /** {@code webhook rm ID}: {@code DELETE /v1/webhooks/{id}}. */
    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a webhook (deliveries stop).")
    static final class Rm extends OnId {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            console.delete(path());
            out.note("removed webhook " + id);
        }
    }

    /** A subcommand whose first parameter is a webhook id. */
    abstract static class OnId extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "the webhook id (whk_...)")
        String id;

        String path() {
            return "/v1/webhooks/" + ConsoleApiClient.segment(id);
        }
    }
}
