package dev.gatehouse.appliance.cli.client;

import static dev.gatehouse.appliance.cli.client.Output.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gatehouse events}: {@code GET /v1/events}, one page, or with {@code --follow} page after
 * page (long-polling) until interrupted. Prints the cursor to resume from on stderr.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = {"List lifecycle events after a cursor (a tenant token sees its own tenant's events only).",
            "E.g. gatehouse events --after 0 --type domain.verified,acme.issued --follow"})
public final class EventsCommand extends ClientCommand {

    @Option(names = "--after", paramLabel = "CURSOR", description = "return events after this cursor (default: 0)")
    String after = "0";

    @Option(names = "--limit", paramLabel = "N", description = "page size, 1-1000 (default: 100)")
    Integer limit;

    @Option(names = "--type", paramLabel = "TYPES", description = "comma-separated event types")
    String type;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "admin token: only this tenant's events")
    String tenant;

    @Option(names = "--follow", description = "keep waiting for new events (long-poll, 25 s per request)")
    boolean follow;

    /** Pages printed by --follow before stopping (0: until interrupted); for scripts and tests. */
    @Option(names = "--max-pages", paramLabel = "N", hidden = true)
    int maxPages;

    @Override
    void run(ConsoleApiClient console, Output out) throws ClientException {
        String cursor = after;
        int pages = 0;
        do {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("after", cursor);
            q.put("limit", limit == null ? null : String.valueOf(limit));
            q.put("type", type);
            q.put("tenant", tenant);
            q.put("wait", follow ? "25" : null);
            JsonNode page = console.get(ConsoleApiClient.query("/v1/events", q));
            if (!page.path("items").isEmpty() || !follow || out.json()) {
                out.items(page, new Table("CURSOR", "AT", "TYPE", "TENANT", "SUBJECT", "NODE", "DATA"),
                        (table, e) -> table.row(text(e, "cursor"), text(e, "at"), text(e, "type"), text(e, "tenant"),
                                text(e, "subject"), text(e, "node"), e.path("data").toString()));
            }
            cursor = page.path("next").asText(cursor);
            pages++;
        } while (follow && (maxPages == 0 || pages < maxPages) && !Thread.currentThread().isInterrupted());
        out.note("next cursor: " + cursor + " (pass it as --after)");
    }
}
