package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.cluster.store.Sealer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The keys a node seals and opens its store with: in a cluster the cluster key (which seals) and the
 * previous one during a rotation, then the node's own {@code master.key} in its data directory;
 * alone, the master key only. Used by the node at start and by the offline commands (backup,
 * restore) that must open the same records.
 */
public final class NodeKeys {

    private NodeKeys() {
    }

    /** Where each loaded key comes from, by key id, in the sealer's order (the first one seals). */
    public static java.util.Map<String, String> sources(GatehouseConfig config) throws IOException {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        GatehouseConfig.Cluster c = config.cluster();
        if (c.enabled()) {
            out.put(Sealer.of(readClusterKey(c.keyFile(), "cluster.keyFile")).sealingKeyId(), "cluster.keyFile");
            if (c.previousKeyFile() != null) {
                out.put(Sealer.of(readClusterKey(c.previousKeyFile(), "cluster.previousKeyFile")).sealingKeyId(),
                        "cluster.previousKeyFile");
            }
        }
        out.putIfAbsent(Sealer.of(Sealer.loadOrCreateKeyFile(config.node().dataDir().resolve("master.key")))
                .sealingKeyId(), "master.key");
        return out;
    }

    /** The node's sealer; creates {@code dataDir/master.key} (0600) when there is none yet. */
    public static Sealer sealer(GatehouseConfig config) throws IOException {
        return sealer(config.node().dataDir(), config.cluster().enabled() ? config.cluster() : null);
    }

    /** The sealer of a data directory: its master key, after the cluster's keys when {@code cluster} is not null. */
    public static Sealer sealer(Path dataDir, GatehouseConfig.Cluster cluster) throws IOException {
        byte[] master = Sealer.loadOrCreateKeyFile(dataDir.resolve("master.key"));
        if (cluster == null) {
            return Sealer.of(master);
        }
        // in a cluster every node must open every private key: they are sealed with the cluster key
        byte[] clusterKey = readClusterKey(cluster.keyFile(), "cluster.keyFile");
        return cluster.previousKeyFile() == null ? Sealer.of(clusterKey, master)
                : Sealer.of(clusterKey, readClusterKey(cluster.previousKeyFile(), "cluster.previousKeyFile"), master);
    }

    private static byte[] readClusterKey(Path file, String field) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException(field + ": " + file + " does not exist (expected: the 32-byte cluster key, "
                    + "the same file on every node; e.g. head -c 32 /dev/urandom > " + file + ")");
        }
        byte[] k = Files.readAllBytes(file);
        if (k.length != 32) {
            throw new IOException(field + ": " + file + " holds " + k.length + " bytes (expected: 32)");
        }
        return k;
    }
}
