package dev.gatehouse.cluster.store;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flushes a whole file system at once with Linux's {@code syncfs(2)}: the end of a bulk write that
 * wrote thousands of files (a fresh node's catch-up writes every record) makes them durable with one
 * call instead of one {@code fsync} and one journal commit per file. Where the call is unavailable
 * (not Linux, no JNA) or fails, {@link #sync} returns false and the caller syncs file by file.
 */
final class FileSystemSync {

    private static final Logger log = LoggerFactory.getLogger(FileSystemSync.class);
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static volatile boolean unavailable;

    /** The libc calls used here. */
    interface Libc extends Library {
        int open(String path, int flags) throws LastErrorException;

        int syncfs(int fd) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final class Holder {
        static final Libc LIBC = Native.load("c", Libc.class);
    }

    private FileSystemSync() {
    }

    /** Flushes everything written to the file system holding {@code dir}; false when that could not be done. */
    static boolean sync(Path dir) {
        if (unavailable) {
            return false;
        }
        try {
            Libc c = Holder.LIBC;
            int fd = c.open(dir.toAbsolutePath().toString(), O_RDONLY | O_CLOEXEC);
            try {
                c.syncfs(fd);
                return true;
            } finally {
                c.close(fd);
            }
        } catch (LastErrorException e) {
            log.warn("event=syncfs_failed dir={} errno={} fallback=fsync per file", dir, e.getErrorCode());
            return false;
        } catch (LinkageError | RuntimeException e) {
            unavailable = true;
            log.warn("event=syncfs_unavailable cause={} fallback=fsync per file", e.toString());
            return false;
        }
    }
}
