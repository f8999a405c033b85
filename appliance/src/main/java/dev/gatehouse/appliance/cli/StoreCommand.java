package dev.gatehouse.appliance.cli;

import dev.gatehouse.appliance.config.ConfigException;
import dev.gatehouse.appliance.config.ConfigProblem;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What the offline store commands (backup, restore) share: the {@link StoreTarget} options, and
 * exit code 1 after saying why when the target cannot be used (each problem of the configuration
 * file, or the command's name and what is missing), before the command touches anything.
 */
abstract class StoreCommand implements Callable<Integer> {

    @Mixin
    StoreTarget target = new StoreTarget();

    @Spec
    CommandSpec spec;

    private final boolean mustHaveStore;

    /** @param mustHaveStore refuse a directory without a store (backup), or accept an empty one (restore) */
    StoreCommand(boolean mustHaveStore) {
        this.mustHaveStore = mustHaveStore;
    }

    @Override
    public final Integer call() throws Exception {
        StoreTarget.Resolved t;
        try {
            t = target.resolve(mustHaveStore);
        } catch (ConfigException e) {
            e.problems().forEach((ConfigProblem p) -> System.err.println("  " + p));
            return 1;
        } catch (IOException e) {
            System.err.println(spec.name() + ": " + e.getMessage());
            return 1;
        }
        return run(t);
    }

    /** The command's work on the resolved store; its exit code. */
    abstract int run(StoreTarget.Resolved t) throws Exception;
}
