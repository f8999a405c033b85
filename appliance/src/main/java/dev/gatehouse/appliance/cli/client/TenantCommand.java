package dev.gatehouse.appliance.cli.client;

import static dev.gatehouse.appliance.cli.client.Output.joined;
import static dev.gatehouse.appliance.cli.client.Output.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gatehouse tenant ...}: tenants and their domain claims, through {@code /v1/tenants}. */
@Command(name = "tenant", mixinStandardHelpOptions = true,
        description = "Create, list and remove tenants; claim and release the names their certificates may carry.",
        subcommands = {TenantCommand.Create.class, TenantCommand.Ls.class, TenantCommand.Claim.class,
            TenantCommand.Release.class, TenantCommand.Rm.class})
public final class TenantCommand {

    private TenantCommand() {
    }

    /** {@code tenant create ID}: {@code POST /v1/tenants} (admin). */
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a tenant (admin token).")
    static final class Create extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "lower-case letters, digits and dashes, e.g. acme")
        String id;

        @Option(names = "--display-name", paramLabel = "TEXT", description = "a name for people (default: the id)")
        String displayName;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            RequestBody body = new RequestBody().put("id", id).putIfGiven("displayName", displayName);
            out.show(console.post("/v1/tenants", body.fields()), t -> {
                out.line("created tenant " + text(t, "id") + " (" + text(t, "displayName") + ")");
            });
        }
    }

    /** {@code tenant ls}: {@code GET /v1/tenants}. */
    @Command(name = "ls", mixinStandardHelpOptions = true,
            description = "List tenants and their claimed names (a tenant token sees its own).")
    static final class Ls extends ClientCommand {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            out.items(console.list("/v1/tenants"), new Table("ID", "DISPLAY NAME", "DOMAINS", "CREATED"),
                    (table, t) -> table.row(text(t, "id"), text(t, "displayName"), domains(t), text(t, "createdAt")));
        }
    }

    /** {@code tenant claim ID NAME}: {@code POST /v1/tenants/{id}/domains} (the alias of {@code domain claim}). */
    @Command(name = "claim", mixinStandardHelpOptions = true,
            description = "Claim a name (or *.parent.tld) for a tenant: with an admin token it is assigned verified; "
                    + "with a tenant token it is pending until its TXT record is published (see 'domain show').")
    static final class Claim extends OnTenant {
        @Parameters(index = "1", paramLabel = "NAME", description = "a DNS name or a one-label wildcard, e.g. '*.acme.example'")
        String name;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            JsonNode t = console.post(path() + "/domains", Map.of("name", name));
            printDomains(out, t);
            JsonNode claim = t.path("claim");
            if (!out.json() && "pending".equals(text(claim, "status"))) {
                out.line("pending: publish TXT " + claim.at("/records/0/name").asText() + " \""
                        + claim.at("/records/0/value").asText() + "\" to prove it");
            }
        }
    }

    /** {@code tenant release ID NAME}: {@code DELETE /v1/tenants/{id}/domains/{name}}. */
    @Command(name = "release", mixinStandardHelpOptions = true, description = "Release a tenant's claim on a name.")
    static final class Release extends OnTenant {
        @Parameters(index = "1", paramLabel = "NAME", description = "a name the tenant claimed")
        String name;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            JsonNode t = console.delete(path() + "/domains/" + ConsoleApiClient.segment(name));
            printDomains(out, t);
        }
    }

    /** {@code tenant rm ID [--force]}: {@code DELETE /v1/tenants/{id}} (admin). */
    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = "Offboard a tenant (admin token): refused while it holds certificates or claims, unless "
                    + "--force, which removes them all; its tokens are revoked.")
    static final class Rm extends OnTenant {
        @Option(names = "--force", description = "also remove its certificates, managed certificates and claims")
        boolean force;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            out.show(console.delete(path() + (force ? "?force=true" : "")), r -> {
                out.line("removed tenant " + id + ": certificates " + joined(r, "certificates") + ", managed "
                        + joined(r, "managedCertificates") + ", claims " + joined(r, "claims") + ", revoked tokens "
                        + joined(r, "revokedTokens"));
            });
        }
    }

    /** A subcommand whose first parameter is an existing tenant. */
    abstract static class OnTenant extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "the tenant")
        String id;

        String path() {
            return "/v1/tenants/" + ConsoleApiClient.segment(id);
        }
    }

    /** Verified names as they are, unproven ones marked. */
    private static String domains(JsonNode t) {
        java.util.List<String> all = new java.util.ArrayList<>();
        t.path("domains").forEach(d -> all.add(d.asText()));
        t.path("pendingDomains").forEach(d -> all.add(d.asText() + " (pending)"));
        return String.join(", ", all);
    }

    private static void printDomains(Output out, JsonNode tenant) {
        out.show(tenant, t -> {
            String domains = joined(t, "domains");
            out.line("tenant " + text(t, "id") + " claims: " + (domains == null || domains.isEmpty() ? "(nothing)" : domains));
            String pending = joined(t, "pendingDomains");
            if (pending != null && !pending.isEmpty()) {
                out.line("pending (not served until proven): " + pending);
            }
        });
    }
}
