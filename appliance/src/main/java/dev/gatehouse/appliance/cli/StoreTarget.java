package dev.gatehouse.appliance.cli;

import dev.gatehouse.appliance.config.ConfigException;
import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.node.NodeKeys;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Sealer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The store an offline command works on: a node's configuration file ({@code --config}: its data
 * directory, its cluster keys, its tombstone lifetime) or a bare data directory ({@code --data-dir},
 * e.g. the demo's {@code var/demo/data}: its {@code master.key} only, the default lifetime).
 */
final class StoreTarget {

    static final class Choice {
        @Option(names = "--config", required = true, description = "the node's configuration file")
        Path config;

        @Option(names = "--data-dir", required = true,
                description = "a data directory without a configuration file (e.g. var/demo/data)")
        Path dataDir;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    /** What {@link #resolve} found. */
    record Resolved(String node, Path dataDir, Sealer sealer, Duration tombstoneTtl, boolean clustered) {
    }

    /**
     * @param mustHaveStore refuse a directory without a store (backup), or accept an empty one (restore)
     */
    Resolved resolve(boolean mustHaveStore) throws IOException, ConfigException {
        if (choice.config != null) {
            GatehouseConfig c = ConfigLoader.load(choice.config);
            Path dir = c.node().dataDir();
            check(dir, mustHaveStore);
            boolean clustered = c.cluster().enabled();
            if (!clustered) {
                requireMasterKey(dir);
            }
            return new Resolved(c.node().name(), dir, NodeKeys.sealer(c), c.store().tombstoneTtl(), clustered);
        }
        Path dir = choice.dataDir;
        check(dir, mustHaveStore);
        requireMasterKey(dir);
        return new Resolved(dir.toAbsolutePath().normalize().getFileName().toString(), dir, NodeKeys.sealer(dir, null),
                FileStore.DEFAULT_TOMBSTONE_TTL, false);
    }

    private static void check(Path dir, boolean mustHaveStore) throws IOException {
        if (mustHaveStore && !Files.isDirectory(dir.resolve("store"))) {
            throw new IOException(dir + " holds no store (expected: a node's data directory with store/, e.g. "
                    + "/var/lib/gatehouse or var/demo/data)");
        }
    }

    /** Without a cluster key everything is sealed with the data directory's master key: never invent a new one. */
    private static void requireMasterKey(Path dir) throws IOException {
        if (!Files.exists(dir.resolve("master.key"))) {
            throw new IOException(dir.resolve("master.key") + " does not exist: the store of a node outside a cluster "
                    + "is sealed with it (put back the master.key kept with the backup)");
        }
    }
}
