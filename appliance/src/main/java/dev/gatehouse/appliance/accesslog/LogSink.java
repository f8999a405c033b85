package dev.gatehouse.appliance.accesslog;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where access-log lines go: a file opened for append (reopened by path after a logrotate-style
 * move) or stdout. Only the writer thread calls it; every {@link #write} is a batch of whole lines,
 * so a reopen always falls between lines.
 */
abstract class LogSink implements Closeable {

    /** {@code -} is stdout; anything else a file, created when missing, appended to. */
    static LogSink open(String path) throws IOException {
        return "-".equals(path) ? new Stdout(System.out) : new AppendFile(Path.of(path));
    }

    /** Writes (and flushes) {@code len} bytes of whole lines. */
    abstract void write(byte[] lines, int len) throws IOException;

    /** Closes the current file and opens the path again (a new file after a move); stdout: nothing to do. */
    abstract void reopen() throws IOException;

    abstract String describe();

    /** A file written with {@code O_APPEND}: the kernel puts every write at the current end, even after a move. */
    static final class AppendFile extends LogSink {
        /** Bytes per write call: a whole buffer of lines in one write at the rates the writer parks at. */
        static final int CHUNK = 1024 * 1024;
        private final Path path;
        /**
         * Lines are copied here and written from it: a heap array handed to the channel is copied into a
         * temporary direct buffer of its full size, which the JDK then keeps cached per thread (up to the
         * 16 MB a buffer may hold); this one is the writer's own, of a fixed size, and reused.
         */
        private final ByteBuffer direct = ByteBuffer.allocateDirect(CHUNK);
        private FileChannel channel;

        AppendFile(Path path) throws IOException {
            this.path = path;
            this.channel = openChannel(path);
        }

        private static FileChannel openChannel(Path path) throws IOException {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            return FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        }

        @Override
        void write(byte[] lines, int len) throws IOException {
            for (int off = 0; off < len; off += CHUNK) {
                direct.clear();
                direct.put(lines, off, Math.min(CHUNK, len - off)).flip();
                while (direct.hasRemaining()) {
                    channel.write(direct);
                }
            }
        }

        @Override
        void reopen() throws IOException {
            // open first: if that fails, lines keep going to the old file instead of nowhere
            FileChannel next = openChannel(path);
            FileChannel old = channel;
            channel = next;
            old.close();
        }

        @Override
        String describe() {
            return path.toString();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** The process's stdout, shared with the application log: each batch goes in one synchronized write. */
    static final class Stdout extends LogSink {
        private final PrintStream out;

        Stdout(PrintStream out) {
            this.out = out;
        }

        @Override
        void write(byte[] lines, int len) {
            out.write(lines, 0, len);
            out.flush();
        }

        @Override
        void reopen() {
        }

        @Override
        String describe() {
            return "stdout";
        }

        @Override
        public void close() {
            out.flush();
        }
    }
}
