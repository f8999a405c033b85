package dev.gatehouse.appliance.node;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive advisory lock on {@code dataDir/node.lock}, held by a running node for its whole life
 * and taken by the commands that write a data directory offline ({@code gatehouse restore}): two
 * processes never write one store. The kernel drops the lock when the process dies, so a crashed
 * node leaves nothing to clean up.
 */
public final class DataDirLock implements AutoCloseable {

    /** Held on the channel it closes with ({@link FileLock#channel()}). */
    private final FileLock lock;

    private DataDirLock(FileLock lock) {
        this.lock = lock;
    }

    /** Takes the lock, or fails naming the directory when another process holds it. */
    public static DataDirLock acquire(Path dataDir) throws IOException {
        Path file = dataDir.resolve("node.lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new IOException("data directory " + dataDir + " is in use by a running gatehouse node (" + file
                    + " is locked): stop that node first");
        }
        return new DataDirLock(lock);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            lock.channel().close();
        }
    }
}
