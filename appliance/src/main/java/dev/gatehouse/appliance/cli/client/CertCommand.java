package dev.gatehouse.appliance.cli.client;

import static dev.gatehouse.appliance.cli.client.Output.joined;
import static dev.gatehouse.appliance.cli.client.Output.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gatehouse cert ...}: tenant certificates, through {@code /v1/certificates}. */
@Command(name = "cert", mixinStandardHelpOptions = true,
        description = "Upload, list, show, replace and remove tenant certificates.",
        subcommands = {CertCommand.Upload.class, CertCommand.Ls.class, CertCommand.Show.class,
            CertCommand.Replace.class, CertCommand.Rm.class})
public final class CertCommand {

    private CertCommand() {
    }

    /** {@code cert upload}: {@code POST /v1/certificates}. */
    @Command(name = "upload", mixinStandardHelpOptions = true,
            description = "Upload a certificate and its key for a tenant; it is served on the next handshake.")
    static final class Upload extends ClientCommand {
        @Option(names = "--tenant", required = true, paramLabel = "ID", description = "the tenant the certificate belongs to")
        String tenant;

        @ArgGroup(exclusive = true, multiplicity = "1")
        CertificateFiles files;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            RequestBody body = new RequestBody().put("tenant", tenant);
            files.addTo(body);
            out.show(console.post("/v1/certificates", body.fields()), c -> {
                out.line("uploaded " + summary(c));
            });
        }
    }

    /** {@code cert ls}: {@code GET /v1/certificates}, following the {@code next} cursor. */
    @Command(name = "ls", mixinStandardHelpOptions = true,
            description = {"List certificates (all pages; with --json one document with every item).",
                "A tenant token sees its own tenant's only."})
    static final class Ls extends ClientCommand {
        @Option(names = "--tenant", paramLabel = "ID", description = "only this tenant's")
        String tenant;

        @Option(names = "--name", paramLabel = "NAME", description = "only those serving this name (exactly or by wildcard)")
        String name;

        @Option(names = "--expiring-before", paramLabel = "INSTANT",
                description = "only those whose notAfter is earlier, e.g. 2027-01-01T00:00:00Z or 2027-01-01")
        String expiringBefore;

        @Option(names = "--limit", paramLabel = "N", description = "at most N certificates (default: all)")
        Integer limit;

        @Option(names = "--page-size", paramLabel = "N", defaultValue = "500",
                description = "certificates per request, 1-1000 (default: ${DEFAULT-VALUE})")
        int pageSize;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            if (limit != null && limit < 1) {
                throw new BadOptionException("--limit", limit + " (expected: at least 1)");
            }
            if (pageSize < 1 || pageSize > 1000) {
                throw new BadOptionException("--page-size", pageSize + " (expected: 1-1000)");
            }
            String before = expiringBefore == null ? null : instant(expiringBefore).toString();
            ArrayNode items = JsonNodeFactory.instance.arrayNode();
            String cursor = null;
            do {
                int want = limit == null ? pageSize : Math.min(pageSize, limit - items.size());
                Map<String, String> q = new LinkedHashMap<>();
                q.put("tenant", tenant);
                q.put("name", name);
                q.put("expiringBefore", before);
                q.put("limit", Integer.toString(want));
                q.put("cursor", cursor);
                JsonNode page = console.get(ConsoleApiClient.query("/v1/certificates", q));
                page.path("items").forEach(items::add);
                cursor = text(page, "next");
            } while (cursor != null && (limit == null || items.size() < limit));
            if (out.json()) {
                ObjectNode all = JsonNodeFactory.instance.objectNode();
                all.set("items", items);
                out.json(all);
                return;
            }
            Table t = new Table("ID", "TENANT", "NAMES", "KEY", "NOT AFTER");
            for (JsonNode c : items) {
                t.row(text(c, "id"), text(c, "tenant"), joined(c, "names"), text(c, "keyType"), text(c, "notAfter"));
            }
            out.table(t);
        }

        private static Instant instant(String value) throws BadOptionException {
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException notInstant) {
                try {
                    return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
                } catch (DateTimeParseException notDate) {
                    throw new BadOptionException("--expiring-before", "'" + value
                            + "' (expected: an RFC 3339 instant such as 2027-01-01T00:00:00Z, or a date 2027-01-01)");
                }
            }
        }
    }

    /** {@code cert show ID}: {@code GET /v1/certificates/{id}}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show one certificate: names, issuer, validity, key type, SHA-256 fingerprint (never the key).")
    static final class Show extends OnId {
        @Option(names = "--chain", description = "also print the certificate chain (PEM)")
        boolean chain;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            out.show(console.get(path()), c -> {
                out.table(new Table()
                        .row("ID", text(c, "id"))
                        .row("Tenant", text(c, "tenant"))
                        .row("Names", joined(c, "names"))
                        .row("Issuer", text(c, "issuer"))
                        .row("Serial", text(c, "serial"))
                        .row("Not before", text(c, "notBefore"))
                        .row("Not after", text(c, "notAfter"))
                        .row("Key", text(c, "keyType"))
                        .row("SHA-256", text(c, "sha256"))
                        .row("Managed", c.path("managed").asBoolean() ? "yes (ACME)" : "no")
                        .row("Revision", text(c, "revision"))
                        .row("Created", text(c, "createdAt"))
                        .row("Updated", text(c, "updatedAt")));
                if (chain && text(c, "chainPem") != null) {
                    out.line("");
                    out.out().print(text(c, "chainPem"));
                }
            });
        }
    }

    /** {@code cert replace ID}: {@code PUT /v1/certificates/{id}}. */
    @Command(name = "replace", mixinStandardHelpOptions = true,
            description = "Replace a certificate and key in place (same id and tenant); the old one is served until then.")
    static final class Replace extends OnId {
        @ArgGroup(exclusive = true, multiplicity = "1")
        CertificateFiles files;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            RequestBody body = new RequestBody();
            files.addTo(body);
            out.show(console.put(path(), body.fields()), c -> {
                out.line("replaced " + summary(c));
            });
        }
    }

    /** {@code cert rm ID}: {@code DELETE /v1/certificates/{id}}. */
    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = "Remove a certificate; handshakes for its names are refused unless another covers them.")
    static final class Rm extends OnId {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            console.delete(path());
            out.note("removed certificate " + id);
        }
    }

    /** A subcommand whose first parameter is a certificate id. */
    abstract static class OnId extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "the certificate id (crt_...)")
        String id;

        String path() {
            return "/v1/certificates/" + ConsoleApiClient.segment(id);
        }
    }

    /** {@code crt_... (tenant acme; names a.acme.example; EC_P256; not after ...)}. */
    static String summary(JsonNode c) {
        return text(c, "id") + " (tenant " + text(c, "tenant") + "; names " + joined(c, "names") + "; "
                + text(c, "keyType") + "; not after " + text(c, "notAfter") + "; sha256 " + text(c, "sha256") + ")";
    }
}
