package dev.gatehouse.appliance.cli;

import dev.gatehouse.appliance.config.ConfigException;
import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.appliance.config.ConfigProblem;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code gatehouse check-config FILE}: validates a configuration file; exit 0 when valid. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Validate a configuration file and print every problem with its path, value and what was expected.")
public final class CheckConfigCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "the configuration file")
    Path file;

    @Override
    public Integer call() throws Exception {
        try {
            ConfigLoader.load(file);
            System.out.println(file + ": ok");
            return 0;
        } catch (NoSuchFileException e) {
            System.err.println(file + ": no such file");
            return 2;
        } catch (ConfigException e) {
            System.err.println(file + ": " + e.problems().size() + " problem(s)");
            for (ConfigProblem p : e.problems()) {
                System.err.println("  " + p);
            }
            return 1;
        }
    }
}
