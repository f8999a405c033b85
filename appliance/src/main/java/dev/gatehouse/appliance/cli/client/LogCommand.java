package dev.gatehouse.appliance.cli.client;

import static dev.gatehouse.appliance.cli.client.Output.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code gatehouse log ...}: the node's application log levels ({@code /v1/log-levels}) and its
 * access log ({@code /v1/access-log/reopen}); admin token.
 */
@Command(name = "log", mixinStandardHelpOptions = true,
        description = "Read and change logger levels of the node's application log at runtime (per node, until it "
                + "restarts), and reopen its access log after rotation (admin token).",
        subcommands = {LogCommand.Level.class, LogCommand.Levels.class, LogCommand.Reopen.class})
public final class LogCommand {

    private LogCommand() {
    }

    static void print(Table table, JsonNode l) {
        table.row(text(l, "logger"), l.path("level").isNull() ? "(inherits)" : text(l, "level"),
                text(l, "effectiveLevel"));
    }

    /** {@code log level LOGGER LEVEL}: {@code PUT /v1/log-levels/{logger}}. */
    @Command(name = "level", mixinStandardHelpOptions = true,
            description = "Set a logger's level on this node, at once (until it restarts).")
    static final class Level extends ClientCommand {
        @Parameters(index = "0", paramLabel = "LOGGER", description = "ROOT, or a logger name, e.g. dev.gatehouse.tls.sni")
        String logger;

        @Parameters(index = "1", paramLabel = "LEVEL",
                description = "TRACE, DEBUG, INFO, WARN, ERROR, OFF, or 'inherit' to clear the logger's own level")
        String level;

        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            Map<String, Object> body = new HashMap<>();
            body.put("level", level.equalsIgnoreCase("inherit") ? null : level);
            out.show(console.put("/v1/log-levels/" + ConsoleApiClient.segment(logger), body), l -> {
                Table table = new Table("LOGGER", "LEVEL", "EFFECTIVE");
                print(table, l);
                out.table(table);
            });
        }
    }

    /** {@code log levels}: {@code GET /v1/log-levels}. */
    @Command(name = "levels", mixinStandardHelpOptions = true,
            description = "List the loggers that have a level of their own on this node, ROOT first.")
    static final class Levels extends ClientCommand {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            out.items(console.list("/v1/log-levels"), new Table("LOGGER", "LEVEL", "EFFECTIVE"), LogCommand::print);
        }
    }

    /** {@code log reopen}: {@code POST /v1/access-log/reopen}, for logrotate's postrotate. */
    @Command(name = "reopen", mixinStandardHelpOptions = true,
            description = {"Close the access log and open accessLog.path again (after logrotate moved it away).",
                "Returns once the new file is open. SIGHUP to the node does the same."})
    static final class Reopen extends ClientCommand {
        @Override
        void run(ConsoleApiClient console, Output out) throws ClientException {
            out.show(console.post("/v1/access-log/reopen", Map.of()), s -> {
                out.line("access log reopened: " + text(s, "destination") + " (lines written: " + text(s, "writtenLines")
                        + ", dropped: " + text(s, "droppedRecords") + ")");
            });
        }
    }
}
