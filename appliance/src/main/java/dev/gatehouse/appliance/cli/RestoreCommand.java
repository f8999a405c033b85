package dev.gatehouse.appliance.cli;

import dev.gatehouse.appliance.backup.Backup;
import dev.gatehouse.appliance.backup.BackupException;
import dev.gatehouse.appliance.node.DataDirLock;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gatehouse restore FILE (--config FILE | --data-dir DIR) [--force]}: checks a backup (a changed
 * byte is refused) and applies its records to the stopped node's store, newer wins. Start the node
 * afterwards: in a cluster it then reconciles, and what the cluster holds newer wins again.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Check a backup and restore it into a stopped node's store (newer records win).")
public final class RestoreCommand extends StoreCommand {

    @Parameters(index = "0", description = "the backup file")
    Path file;

    @Option(names = "--force", description = "restore a backup older than the tombstone lifetime (objects deleted "
            + "since may come back)")
    boolean force;

    public RestoreCommand() {
        super(false);
    }

    @Override
    int run(StoreTarget.Resolved t) throws IOException {
        Files.createDirectories(t.dataDir());
        try (DataDirLock lock = DataDirLock.acquire(t.dataDir())) {
            Backup b = Backup.read(file, t.sealer());
            try (FileStore store = FileStore.open(t.dataDir(), t.sealer(), Clock.systemUTC(), t.tombstoneTtl())) {
                Backup.Report r = b.restoreInto(store, Clock.systemUTC(), force);
                System.out.println("restored from " + file + " (node " + r.node() + ", taken " + r.backupTime() + "): "
                        + Backup.describe(r.restored()));
                if (!r.keptNewer().isEmpty()) {
                    System.out.println("kept, newer here: " + Backup.describe(r.keptNewer()));
                }
                System.out.println("start the node now" + (t.clustered()
                        ? "; it reconciles with the cluster, where newer records win" : ""));
            }
            return 0;
        } catch (BackupException e) {
            System.err.println("restore: " + e.getMessage());
            return 1;
        } catch (IOException | StoreException e) {
            System.err.println("restore: " + e.getMessage());
            return 1;
        }
    }
}
