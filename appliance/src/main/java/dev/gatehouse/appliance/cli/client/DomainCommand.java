package dev.gatehouse.appliance.cli.client;

import static dev.gatehouse.appliance.cli.client.Output.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gatehouse domain ...}: domain ownership verification, ACME-managed certificates and the
 * hostname policy ({@link DomainPolicyCommand}), through {@code /v1/domains} and
 * {@code /v1/managed-certificates}.
 */
@Command(name = "domain", mixinStandardHelpOptions = true,
        description = "Claim names, show the DNS records that prove them, and have Gatehouse obtain and renew "
                + "their certificates by ACME.",
        subcommands = {DomainCommand.Claim.class, DomainCommand.Ls.class, DomainCommand.Show.class,
            DomainCommand.Check.class, DomainCommand.Rm.class, DomainCommand.Order.class, DomainCommand.Cert.class,
            DomainCommand.Certs.class, DomainCommand.Unmanage.class, DomainPolicyCommand.class})
public final class DomainCommand {

    private DomainCommand() {
    }

    static String path(String name) {
        return "/v1/domains/" + ConsoleApiClient.segment(name);
    }

    static void printDomain(Output out, JsonNode domain) {
        out.show(domain, d -> {
            out.line(text(d, "name") + " (tenant " + text(d, "tenant") + "): " + text(d, "status")
                    + (d.path("reason").isNull() || d.path("reason").isMissingNode() ? "" : " - " + text(d, "reason")));
            Table records = new Table("TYPE", "NAME", "VALUE");
            for (JsonNode r : d.path("records")) {
                records.row(text(r, "type"), text(r, "name"), text(r, "value"));
            }
            out.line("publish:");
            out.table(records);
            if (d.path("seen").size() > 0) {
                out.line("last check saw:");
                d.path("seen").forEach(s -> out.line("  " + s.asText()));
            }
        });
    }

    static void printCertificate(Output out, JsonNode managed) {
        out.show(managed, m -> {
            Table t = new Table("NAME", "STATE", "CERTIFICATE", "NOT AFTER", "NEXT RENEWAL", "NEXT ATTEMPT", "LAST ERROR");
            t.row(text(m, "name"), text(m, "state"), text(m, "certificateId"), text(m, "notAfter"),
                    text(m, "nextRenewalAt"), text(m, "nextAttemptAt"), text(m, "lastError"));
            out.table(t);
        });
    }

    /** A subcommand whose one parameter is the claimed name. */
    abstract static class OnName extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
    }

    /** {@code domain claim NAME [--tenant ID]}: {@code POST /v1/domains}. */
    @Command(name = "claim", mixinStandardHelpOptions = true,
            description = "Claim a name; prints the TXT record (and the A/CNAME target) to publish. Pending "
                    + "until proven; only then are the tenant's certificates served for it.")
    static final class Claim extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME",
                description = "an exact DNS name or a one-label wildcard, e.g. app.example.com or '*.example.com'")
        String name;

        @Option(names = "--tenant", paramLabel = "ID", description = "the tenant (default: a tenant token's own)")
        String tenant;

        @Option(names = "--verified", description = "admin token: assign the name verified, without a DNS proof (audited)")
        boolean verified;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            RequestBody body = new RequestBody().put("name", name).putIfGiven("tenant", tenant)
                    .putIfSet("verified", verified);
            printDomain(out, console.post("/v1/domains", body.fields()));
        }
    }

    /** {@code domain ls}: {@code GET /v1/domains}. */
    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List claims and their verification status.")
    static final class Ls extends ClientCommand {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            out.items(console.list("/v1/domains"),
                    new Table("NAME", "TENANT", "STATUS", "ATTEMPTS", "LAST CHECK", "REASON"),
                    "name", "tenant", "status", "attempts", "lastCheckAt", "reason");
        }
    }

    /** {@code domain show NAME}: {@code GET /v1/domains/{name}}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a claim: status, the records to publish, the records the last check saw.")
    static final class Show extends OnName {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            printDomain(out, console.get(path(name)));
        }
    }

    /** {@code domain check NAME}: {@code POST /v1/domains/{name}/check}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Check the DNS records again now (after fixing them, or after a failed verification).")
    static final class Check extends OnName {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            printDomain(out, console.post(path(name) + "/check", Map.of()));
        }
    }

    /** {@code domain rm NAME}: {@code DELETE /v1/domains/{name}}. */
    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete a claim (stop its certificate first).")
    static final class Rm extends OnName {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            console.delete(path(name));
            out.done("deleted claim " + name);
        }
    }

    /** {@code domain order NAME}: {@code POST /v1/domains/{name}/certificate}. */
    @Command(name = "order", mixinStandardHelpOptions = true,
            description = "Have Gatehouse obtain (and then renew) a certificate for a verified name by ACME.")
    static final class Order extends OnName {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            printCertificate(out, console.post(path(name) + "/certificate", Map.of()));
        }
    }

    /** {@code domain cert NAME}: {@code GET /v1/domains/{name}/certificate}. */
    @Command(name = "cert", mixinStandardHelpOptions = true,
            description = "Show a managed certificate: state, expiry, next renewal, last error.")
    static final class Cert extends OnName {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            printCertificate(out, console.get(path(name) + "/certificate"));
        }
    }

    /** {@code domain certs}: {@code GET /v1/managed-certificates}. */
    @Command(name = "certs", mixinStandardHelpOptions = true, description = "List managed certificates.")
    static final class Certs extends ClientCommand {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            out.items(console.list("/v1/managed-certificates"),
                    new Table("NAME", "STATE", "CERTIFICATE", "NOT AFTER", "NEXT RENEWAL", "LAST ERROR"),
                    "name", "state", "certificateId", "notAfter", "nextRenewalAt", "lastError");
        }
    }

    /** {@code domain unmanage NAME}: {@code DELETE /v1/domains/{name}/certificate}. */
    @Command(name = "unmanage", mixinStandardHelpOptions = true,
            description = "Stop managing a name's certificate; the certificate is no longer served.")
    static final class Unmanage extends OnName {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            console.delete(path(name) + "/certificate");
            out.done("stopped managing the certificate of " + name);
        }
    }
}
