package dev.gatehouse.appliance.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gatehouse domain policy NAME [options]}: shows a hostname's policy, or changes it through
 * {@code GET} then {@code PUT /v1/domains/{name}/policy}. Options change only the fields they name
 * (the others are kept); {@code --file} replaces the whole document; {@code --delete} removes it.
 * The console checks every field, so a bad value comes back as its named error.
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Show or change a hostname's TLS and HTTP policy (minimum TLS version, HSTS, port-80 redirect, "
                + "origin, error pages, IP lists, rate limit, backend metadata). Without options: show it.")
final class DomainPolicyCommand extends ClientCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--file", paramLabel = "FILE", description = "replace the whole policy with this JSON document")
    Path file;

    @Option(names = "--delete", description = "remove the policy (the name gets the listener's defaults)")
    boolean delete;

    @Option(names = "--min-tls", paramLabel = "VERSION", description = "1.2 or 1.3")
    String minTls;

    @Option(names = "--hsts-max-age", paramLabel = "SECONDS", description = "add Strict-Transport-Security")
    Long hstsMaxAge;

    @Option(names = "--hsts-include-subdomains", description = "with --hsts-max-age: includeSubDomains")
    boolean hstsSubdomains;

    @Option(names = "--hsts-preload", description = "with --hsts-max-age: preload")
    boolean hstsPreload;

    @Option(names = "--redirect-http", paramLabel = "STATUS|off", description = "port 80: 301, 302, 307, 308 or off")
    String redirect;

    @Option(names = "--origin-pool", paramLabel = "POOL", description = "send the name's requests to this pool")
    String originPool;

    @Option(names = "--origin-host", paramLabel = "HOST", description = "with --origin-pool: the Host towards it")
    String originHost;

    @Option(names = "--error-page", paramLabel = "STATUS=FILE",
            description = "HTML served instead of the plain body (421, 429, 502, 503, 504); repeatable")
    List<String> errorPages = new ArrayList<>();

    @Option(names = "--ip-allow-file", paramLabel = "FILE", description = "CIDRs allowed, one a line (# comments)")
    Path ipAllow;

    @Option(names = "--ip-deny-file", paramLabel = "FILE", description = "CIDRs refused, one a line (# comments)")
    Path ipDeny;

    @Option(names = "--ip-deny-action", paramLabel = "403|alert", description = "refuse with 403 or a TLS alert")
    String ipDenyAction;

    @Option(names = "--rate", paramLabel = "RPS[:BURST]", description = "requests per second (and burst) per client")
    String rate;

    @Option(names = "--metadata-file", paramLabel = "FILE", description = "JSON object forwarded to the backend")
    Path metadata;

    @Option(names = "--unset", paramLabel = "FIELD", description = "remove one field (e.g. hsts, rateLimit); repeatable")
    List<String> unset = new ArrayList<>();

    @Override
    void run(ConsoleApiClient console, Output out) throws ClientException {
        String path = DomainCommand.path(name) + "/policy";
        if (delete) {
            console.delete(path);
            out.done("removed the policy of " + name);
            return;
        }
        ObjectNode doc;
        if (file != null) {
            doc = object("--file", read("--file", file));
        } else if (!changes()) {
            print(out, console.get(path));
            return;
        } else {
            doc = current(console, path);
        }
        edit(doc);
        print(out, console.put(path, doc));
    }

    private boolean changes() {
        return minTls != null || hstsMaxAge != null || redirect != null || originPool != null || !errorPages.isEmpty()
                || ipAllow != null || ipDeny != null || ipDenyAction != null || rate != null || metadata != null
                || !unset.isEmpty();
    }

    /** The stored policy, or an empty one when the name has none yet. */
    private static ObjectNode current(ConsoleApiClient console, String path)
            throws ApiRefusedException, ConsoleUnreachableException {
        try {
            return (ObjectNode) console.get(path).path("policy").deepCopy();
        } catch (ApiRefusedException e) {
            // no policy yet (as opposed to a name this token may not see: "domain ... does not exist")
            if (e.problem().status() == 404 && e.problem().detail() != null
                    && e.problem().detail().startsWith("policy of")) {
                return JSON.createObjectNode();
            }
            throw e;
        }
    }

    private void edit(ObjectNode doc) throws BadOptionException {
        unset.forEach(doc::remove);
        if (minTls != null) {
            doc.put("minTlsVersion", minTls);
        }
        if (hstsMaxAge != null) {
            ObjectNode h = doc.putObject("hsts");
            h.put("maxAge", hstsMaxAge);
            h.put("includeSubDomains", hstsSubdomains);
            h.put("preload", hstsPreload);
        }
        if (redirect != null) {
            if (redirect.equals("off")) {
                doc.put("redirectHttp", false);
            } else {
                try {
                    doc.putObject("redirectHttp").put("status", Integer.parseInt(redirect));
                } catch (NumberFormatException e) {
                    throw new BadOptionException("--redirect-http", redirect + " (expected: 301, 302, 307, 308 or off)");
                }
            }
        }
        if (originPool != null) {
            ObjectNode o = doc.putObject("origin");
            o.put("pool", originPool);
            if (originHost != null) {
                o.put("host", originHost);
            }
        }
        for (String page : errorPages) {
            int eq = page.indexOf('=');
            if (eq < 1) {
                throw new BadOptionException("--error-page", page + " (expected: STATUS=FILE, e.g. 503=sorry.html)");
            }
            ObjectNode pages = doc.has("errorPages") && doc.get("errorPages").isObject()
                    ? (ObjectNode) doc.get("errorPages") : doc.putObject("errorPages");
            pages.put(page.substring(0, eq), read("--error-page", Path.of(page.substring(eq + 1))));
        }
        if (ipAllow != null) {
            cidrs(doc, "ipAllow", "--ip-allow-file", ipAllow);
        }
        if (ipDeny != null) {
            cidrs(doc, "ipDeny", "--ip-deny-file", ipDeny);
        }
        if (ipDenyAction != null) {
            doc.put("ipDenyAction", ipDenyAction);
        }
        if (rate != null) {
            String[] parts = rate.split(":", 2);
            try {
                ObjectNode r = doc.putObject("rateLimit");
                r.put("requestsPerSecond", Double.parseDouble(parts[0]));
                if (parts.length == 2) {
                    r.put("burst", Integer.parseInt(parts[1]));
                }
            } catch (NumberFormatException e) {
                throw new BadOptionException("--rate", rate + " (expected: RPS or RPS:BURST, e.g. 10:20)");
            }
        }
        if (metadata != null) {
            doc.set("metadata", object("--metadata-file", read("--metadata-file", metadata)));
        }
    }

    private static void cidrs(ObjectNode doc, String field, String option, Path file) throws BadOptionException {
        var list = doc.putArray(field);
        for (String line : read(option, file).split("\n")) {
            String l = line.replaceFirst("#.*", "").trim();
            if (!l.isEmpty()) {
                list.add(l);
            }
        }
    }

    private static String read(String option, Path file) throws BadOptionException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadOptionException(option, file + ": " + e.getMessage());
        }
    }

    private static ObjectNode object(String option, String json) throws BadOptionException {
        try {
            JsonNode n = JSON.readTree(json);
            if (n instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            throw new BadOptionException(option, "not JSON: " + e.getMessage());
        }
        throw new BadOptionException(option, "not a JSON object");
    }

    private static void print(Output out, JsonNode answer) {
        out.show(answer, p -> {
            out.line(p.path("name").asText() + " (tenant " + p.path("tenant").asText("-") + ", revision "
                    + p.path("revision").asText() + ", updated " + p.path("updatedAt").asText() + ")");
            JsonNode policy = p.path("policy");
            if (policy.isEmpty()) {
                out.line("  (no fields set: listener defaults)");
            }
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) policy::fields) {
                JsonNode v = e.getValue();
                String shown = v.isArray() && v.size() > 5 ? v.size() + " entries"
                        : e.getKey().equals("errorPages") ? String.join(", ", (Iterable<String>) v::fieldNames)
                        : e.getKey().equals("metadata") ? v.toString().length() + " bytes" : v.toString();
                out.line("  " + e.getKey() + ": " + shown);
            }
        });
    }
}
