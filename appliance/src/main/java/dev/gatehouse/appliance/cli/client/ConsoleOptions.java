package dev.gatehouse.appliance.cli.client;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every console client command takes (a picocli mixin). Only what was typed is kept
 * here; {@link ConsoleSettings#resolve} adds the environment and the defaults.
 */
final class ConsoleOptions {

    @Option(names = "--console", paramLabel = "URL",
            description = "console API URL (env GATEHOUSE_CONSOLE; default: " + ConsoleSettings.DEFAULT_CONSOLE + ")")
    String console;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "API token (env GATEHOUSE_TOKEN); visible to other users in the process list, "
                    + "prefer --token-file or the environment")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "file holding the API token (default: /var/lib/gatehouse/admin.token if readable)")
    Path tokenFile;

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "PEM certificate(s) to trust for the console (env GATEHOUSE_CACERT; default: "
                    + "/var/lib/gatehouse/console/console.crt if present, else the JDK's trusted CAs)")
    Path cacert;

    @Option(names = "--json", description = "print the API's JSON instead of a table")
    boolean json;
}
