package dev.gatehouse.appliance.cli.client;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every console client command shares: the common options, a client built from them, and
 * the mapping of failures to one line on stderr and an exit code (see the package description).
 * Output goes to picocli's writers, so a caller of {@code CommandLine} can capture it.
 */
abstract class ClientCommand implements Callable<Integer> {

    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;

    @Mixin
    ConsoleOptions options;

    @Spec
    CommandSpec spec;

    /** The process environment; a field so that a test can give its own. */
    Map<String, String> environment = System.getenv();

    @Override
    public final Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            ConsoleApiClient console = ConsoleApiClient.connect(ConsoleSettings.resolve(options, environment));
            run(console, new Output(out, err, options.json));
            return 0;
        } catch (ClientException e) {
            err.println("gatehouse: " + e.getMessage());
            return e.exitCode();
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The command's calls to the console and its output. */
    abstract void run(ConsoleApiClient console, Output out) throws ClientException;
}
