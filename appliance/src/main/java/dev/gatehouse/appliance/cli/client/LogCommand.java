package dev.gatehouse.appliance.cli.client;

import static dev.gatehouse.appliance.cli.client.Output.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code gatehouse log ...}: the node's access log (admin token). */
@Command(name = "log", mixinStandardHelpOptions = true,
        description = "Manage the node's access log (admin token).",
        subcommands = {LogCommand.Reopen.class})
public final class LogCommand {

    private LogCommand() {
    }

    /** {@code log reopen}: {@code POST /v1/access-log/reopen}, for logrotate's postrotate. */
    @Command(name = "reopen", mixinStandardHelpOptions = true,
            description = {"Close the access log and open accessLog.path again (after logrotate moved it away).",
                "Returns once the new file is open. SIGHUP to the node does the same."})
    static final class Reopen extends ClientCommand {
        @Override
        void run(ConsoleApiClient console, Output out) throws ApiRefusedException, ConsoleUnreachableException {
            JsonNode s = console.post("/v1/access-log/reopen", Map.of());
            if (out.json()) {
                out.json(s);
                return;
            }
            out.line("access log reopened: " + text(s, "destination") + " (lines written: " + text(s, "writtenLines")
                    + ", dropped: " + text(s, "droppedRecords") + ")");
        }
    }
}
