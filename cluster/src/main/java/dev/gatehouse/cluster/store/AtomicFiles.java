package dev.gatehouse.cluster.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Crash-safe file replacement: write a temporary file in the same directory, fsync it, rename it
 * over the target, fsync the directory. After a crash a reader sees the old file or the new one,
 * never a mix, and a write that returned is on disk.
 */
public final class AtomicFiles {

    /**
     * From this many files, a bulk sync flushes the file system at once ({@code syncfs}) rather than each
     * file: one journal commit instead of thousands. Below it, the per-file fsyncs are cheaper than
     * flushing whatever else is dirty on the file system.
     */
    static final int SYNCFS_FROM = 512;

    private AtomicFiles() {
    }

    /** Atomically replaces {@code target} with {@code data}; the file is created mode 0600. */
    public static void write(Path target, byte[] data) throws IOException {
        write(target, data, true);
    }

    /**
     * Like {@link #write(Path, byte[])}; with {@code durable} false the data and the rename are not
     * synced one by one (bulk catch-up from the grid, which still holds the data; the caller syncs
     * the directory once at the end with {@link #syncDirectory}).
     */
    public static void write(Path target, byte[] data, boolean durable) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir); // (it throws and catches internally when the directory exists: not per write)
        }
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (durable) {
                ch.force(true);
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (durable) {
            move(tmp, target);
        } else {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Flushes the given files, then the given directories (the end of a bulk write): only what the bulk
     * wrote, so a pass that wrote one record of 100,000 syncs one file. The files are flushed a few at
     * a time (concurrent syncs share journal commits); from {@link #SYNCFS_FROM} files (a fresh node's
     * catch-up writes every record) the whole file system is flushed with one {@code syncfs} instead.
     * A file deleted or replaced since it was written is skipped: its directory's sync covers that.
     */
    public static void syncWritten(java.util.Collection<Path> files, java.util.Collection<Path> dirs)
            throws IOException {
        if (files.size() >= SYNCFS_FROM && !dirs.isEmpty() && FileSystemSync.sync(dirs.iterator().next())) {
            files = java.util.List.of(); // flushed with the whole file system (all in one store directory tree)
        }
        try {
            files.parallelStream().forEach(f -> {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    ch.force(true);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // deleted (a later delete in the same bulk): nothing of it to flush
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        for (Path d : dirs) {
            fsyncDirectory(d);
        }
    }

    /** Flushes every file of a directory and the directory itself. */
    public static void syncDirectory(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                }
            }
        }
        fsyncDirectory(dir);
    }

    /** Atomically renames and makes the rename durable. */
    static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        fsyncDirectory(target.toAbsolutePath().getParent());
    }

    /** Deletes a file and makes the deletion durable. */
    public static boolean delete(Path target) throws IOException {
        boolean deleted = Files.deleteIfExists(target);
        if (deleted) {
            fsyncDirectory(target.toAbsolutePath().getParent());
        }
        return deleted;
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
