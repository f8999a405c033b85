package dev.gatehouse.appliance.cli;

import dev.gatehouse.appliance.backup.Backup;
import dev.gatehouse.cluster.store.FileStore;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gatehouse backup --out FILE (--config FILE | --data-dir DIR)}: writes the node's store as one
 * sealed file (see {@link Backup}). Safe while the node runs: the store's files (each written by an
 * atomic rename) are copied to a private directory first and read from there, so nothing of the
 * running node's directory is touched; each record is exactly as one write left it.
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Write a sealed export of the node's store (no plaintext keys) to a file.")
public final class BackupCommand extends StoreCommand {

    @Option(names = "--out", required = true, description = "the backup file to write (mode 0600)")
    Path out;

    public BackupCommand() {
        super(true);
    }

    @Override
    int run(StoreTarget.Resolved t) throws IOException {
        Path copy = Files.createTempDirectory("gatehouse-backup-");
        try {
            copyTree(t.dataDir().resolve("store"), copy.resolve("store"));
            Backup b;
            try (FileStore store = FileStore.open(copy, t.sealer(), Clock.systemUTC(), t.tombstoneTtl())) {
                if (!store.loadProblems().isEmpty()) {
                    System.err.println("backup: " + store.loadProblems().size() + " record file(s) skipped as unreadable: "
                            + store.loadProblems().get(0).file().getFileName() + ": " + store.loadProblems().get(0).reason());
                }
                b = Backup.of(store, t.node(), Clock.systemUTC());
            }
            Backup.Header h = b.write(out, t.sealer());
            System.out.println("wrote " + out + ": " + Backup.describe(h.counts()) + " (node " + h.node() + ", taken "
                    + Instant.ofEpochMilli(h.createdAtMillis()) + ")");
            System.out.println("sealed with key " + h.keyId() + (t.clustered() ? " (the cluster key, cluster.keyFile)"
                    : " (" + t.dataDir().resolve("master.key") + ")") + ": keep that key safe, apart from the backup");
            return 0;
        } finally {
            deleteTree(copy);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!file.getFileName().toString().startsWith(".")) { // a write in flight: not acknowledged yet
                    try {
                        Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                    } catch (java.nio.file.NoSuchFileException e) {
                        // deleted (replaced by a tombstone) while we copied: it is gone now
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
