package dev.gatehouse.appliance.cli.client;

import static dev.gatehouse.appliance.cli.client.Output.text;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gatehouse token ...}: API tokens, through {@code /v1/tokens} (admin token). */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Create, list and revoke API tokens (admin token).",
        subcommands = {TokenCommand.Create.class, TokenCommand.Ls.class, TokenCommand.Revoke.class})
public final class TokenCommand {

    private TokenCommand() {
    }

    /** {@code token create}: {@code POST /v1/tokens}; the one place a token is printed. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a token and print it on stdout, once: the node keeps only its hash.",
                "E.g. TOKEN=$(gatehouse token create --scope tenant:acme)"})
    static final class Create extends ClientCommand {
        @Option(names = "--scope", required = true, paramLabel = "SCOPE", description = "admin or tenant:<id>")
        String scope;

        @Option(names = "--description", paramLabel = "TEXT", description = "what the token is for")
        String description;

        @Option(names = "--ttl", paramLabel = "DURATION", description = "lifetime, e.g. 90d or 12h (default: never expires)")
        String ttl;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            RequestBody body = new RequestBody().put("scope", scope).putIfGiven("description", description)
                    .putIfGiven("ttl", ttl);
            out.secret(console.post("/v1/tokens", body.fields()), "token", t -> "created token " + text(t, "id")
                    + " (scope " + text(t, "scope")
                    + (text(t, "expiresAt") == null ? "" : ", expires " + text(t, "expiresAt"))
                    + "); it is shown only now, store it in your vault");
        }
    }

    /** {@code token ls}: {@code GET /v1/tokens}; ids and scopes, never the tokens. */
    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List tokens: id, scope, state (never the secret).")
    static final class Ls extends ClientCommand {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            java.time.Instant now = java.time.Instant.now();
            out.items(console.list("/v1/tokens"),
                    new Table("ID", "SCOPE", "STATE", "CREATED", "EXPIRES", "LAST USED", "DESCRIPTION"), (table, t) -> {
                        String expires = text(t, "expiresAt");
                        String state = t.path("revoked").asBoolean() ? "revoked"
                                : expires != null && java.time.Instant.parse(expires).isBefore(now) ? "expired"
                                : "active";
                        table.row(text(t, "id"), text(t, "scope"), state, text(t, "createdAt"), expires,
                                text(t, "lastUsedAt"), text(t, "description"));
                    });
        }
    }

    /** {@code token revoke ID}: {@code DELETE /v1/tokens/{id}}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a token by id (the hex part of ghk_<id>_...); it is refused from the next request.")
    static final class Revoke extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "the token id, as `token ls` shows it")
        String id;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            if (id.startsWith("ghk_")) {
                // never send a secret in a URL (it would reach access logs); do not echo it either
                throw new BadOptionException("ID", "a whole token was given (expected: its id, the part between "
                        + "ghk_ and the next _, as `token ls` shows it)");
            }
            console.delete("/v1/tokens/" + ConsoleApiClient.segment(id));
            out.note("revoked token " + id);
        }
    }
}
