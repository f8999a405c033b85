package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.cluster.store.Sealer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data directory (created 0700), its lock (no second process writes it, see {@link DataDirLock})
 * and the keys the store is sealed and opened with (see {@link NodeKeys}). First part: without the
 * keys the store would reject every entry. Closing releases the lock.
 *
 * @param sources key id → where it is configured, sealing key first (for the status' keys section)
 */
record KeysPart(Path dataDir, DataDirLock lock, Sealer sealer, Map<String, String> sources) implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KeysPart.class);

    static KeysPart open(GatehouseConfig config) throws IOException {
        Path data = config.node().dataDir();
        Files.createDirectories(data);
        try {
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException | IOException e) {
            log.warn("event=data_dir_permissions dir={} cause={}", data, e.toString());
        }
        DataDirLock lock = DataDirLock.acquire(data);
        try {
            return new KeysPart(data, lock, NodeKeys.sealer(config), NodeKeys.sources(config));
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        lock.close();
    }
}
