package dev.gatehouse.appliance.accesslog;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.tls.observe.HandshakeRecord;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.observe.RequestRecord;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: a {@link RequestObserver} that formats each line on the thread that finished the
 * request (an event loop) into that thread's own buffer, and one writer thread that takes the filled
 * buffers and writes them, whole lines only, flushed per buffer. Nothing on the event loop waits on
 * the disk: a thread's buffer holds at most {@code queueSize} lines (and {@value #MAX_BUFFER_BYTES}
 * bytes); beyond that lines are dropped and counted in {@link #droppedRecords()}, never blocking.
 *
 * <p>Why the line is formatted on the event loop and not on the writer: the writer shares the core
 * with the event loops, and formatting a record there, milliseconds later, read every field of it
 * from a cold cache. Per-thread CPU time in {@code bench/observability-overhead.sh}'s set-up showed the
 * writer at 2–3.5 µs per line when it formatted handed-over records; formatting where the values are
 * still in cache costs about a fifth of that, and no record has to outlive the request.
 *
 * <p>Threads: each producing thread appends to its own {@link Slot} under the slot's monitor (never
 * contended but for the moment the writer swaps the buffer out); any thread calls {@link #reopen()},
 * which only enqueues a request the writer thread serves between two buffers; the writer thread alone
 * touches the sink. So a logrotate-style move followed by a reopen neither loses nor doubles a line:
 * lines written before the reopen are in the moved file, the rest in the new one. Lines of one thread
 * keep their order; lines of different threads are interleaved a buffer at a time (at most
 * {@value #IDLE_PARK_MILLIS} ms apart).
 *
 * <p>Refused handshakes are sampled (one in {@code sampleRefusedHandshakes}) and capped per second
 * ({@code refusedHandshakesPerSecond}); those left out are counted in {@link #suppressedHandshakes()}.
 * Completed handshakes are not logged (their facts are on every request line).
 */
public final class AccessLog implements RequestObserver, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    /** A thread's buffer never holds more than this, whatever {@code queueSize} says. */
    static final int MAX_BUFFER_BYTES = 16 * 1024 * 1024;
    static final long IDLE_PARK_MILLIS = 20;
    /**
     * How long the writer parks between two sweeps of the buffers. It polls rather than being woken: a
     * wake-up per line would cost a futex call and a context switch per request when both share a core.
     * A line waits at most this long for the writer. Why 20 ms and not less: each wake-up costs the
     * writer tens of microseconds on a shared core whether or not there are lines (timer, context
     * switch, cold caches), so at 20,000 lines/s the writer spent about 850 ns per line with 5 ms and
     * about 650 with 20 ms (PipeBench, writer thread CPU); the bytes written are the same, only in
     * fewer, larger writes, and 20 ms is still far below what a log shipper or a human notices.
     */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(IDLE_PARK_MILLIS);
    /**
     * A buffer this large (or half its {@code queueSize} lines) means the writer is falling behind: it
     * sweeps again at once instead of parking. Below that it parks after every sweep, also one that
     * wrote: sweeping again at once took a few dozen lines per write at 25,000 lines/s, hundreds of
     * write calls a second, where a park makes it one write per buffer per {@value #IDLE_PARK_MILLIS} ms.
     */
    static final int BEHIND_BYTES = 1024 * 1024;
    // a reopen or close wakes the writer with LockSupport.unpark, not an interrupt: an interrupt during
    // a FileChannel write closes the channel and loses the buffer

    private final LogSink sink;
    /** A new formatter (one per producing thread: each keeps its own caches). */
    private final Supplier<AccessLogLine> formatter;
    private final int capacity;
    private final RefusedHandshakes refused;
    private final Thread writer;
    /** Every thread that has logged, for the writer to sweep; dead threads' empty slots are dropped. */
    private final CopyOnWriteArrayList<Slot> slots = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<Slot> mine = new FastThreadLocal<>() {
        @Override
        protected Slot initialValue() {
            Slot s = new Slot(Thread.currentThread(), formatter.get());
            slots.add(s);
            return s;
        }
    };
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> reopenRequests = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    private final LongAdder dropped = new LongAdder();
    // written by the writer thread only
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final AtomicLong reopens = new AtomicLong();

    /**
     * One producing thread's lines since the writer last took them, and its formatter (which keeps
     * per-thread caches: the timestamp's second, the last values' escaped bytes). Guarded by itself.
     */
    private static final class Slot {
        final Thread owner;
        final AccessLogLine line;
        JsonLine buffer = new JsonLine(16 * 1024);

        Slot(Thread owner, AccessLogLine line) {
            this.owner = owner;
            this.line = line;
        }

        /** The buffer with its lines, replaced by the empty {@code spare}; null (and no swap) when empty. */
        synchronized JsonLine swap(JsonLine spare) {
            if (buffer.lines() == 0) {
                return null;
            }
            JsonLine full = buffer;
            buffer = spare;
            return full;
        }
    }

    AccessLog(GatehouseConfig.AccessLog settings, String node, Function<String, String> tenantOf, LogSink sink) {
        this.sink = sink;
        List<String> fields = List.copyOf(settings.fields());
        this.formatter = () -> new AccessLogLine(node, fields, settings.query(), tenantOf);
        formatter.get(); // refuses an unknown field name now, not on a request
        this.capacity = settings.queueSize();
        this.refused = new RefusedHandshakes(settings.sampleRefusedHandshakes(), settings.refusedHandshakesPerSecond());
        this.writer = new Thread(this::writeLoop, "gatehouse-access-log");
        this.writer.setDaemon(true);
    }

    /**
     * Opens the sink ({@code settings.path()}, or stdout for {@code -}) and starts the writer thread.
     *
     * @param tenantOf certificate id → tenant id (or null), called on the event loops: an in-memory read
     * @throws IOException when the file cannot be opened: the node does not start without its access log
     */
    public static AccessLog start(GatehouseConfig.AccessLog settings, String node, Function<String, String> tenantOf)
            throws IOException {
        AccessLog a = new AccessLog(settings, node, tenantOf, LogSink.open(settings.path()));
        a.writer.start();
        log.info("event=access_log_started path={} queue={} sample_refused_handshakes={}", a.sink.describe(),
                settings.queueSize(), settings.sampleRefusedHandshakes());
        return a;
    }

    AccessLog startForTest() {
        writer.start();
        return this;
    }

    @Override
    public void onRequest(RequestRecord request) {
        append(request, null);
    }

    @Override
    public void onHandshake(HandshakeRecord handshake) {
        if (!handshake.ok() && refused.admit()) {
            append(null, handshake);
        }
    }

    /** Formats the line into this thread's buffer (or drops and counts it: full, closed, or unformattable). */
    private void append(RequestRecord request, HandshakeRecord handshake) {
        Slot s = mine.get();
        RuntimeException failed = null;
        synchronized (s) {
            JsonLine out = s.buffer;
            if (!running || out.lines() >= capacity || out.length() >= MAX_BUFFER_BYTES) {
                dropped.increment();
                return;
            }
            int mark = out.length();
            try {
                if (request != null) {
                    s.line.append(request, out);
                } else {
                    s.line.append(handshake, out);
                }
            } catch (RuntimeException e) {
                out.truncate(mark); // no half line
                failed = e;
            }
        }
        if (failed != null) {
            dropped.increment();
            log.warn("event=access_log_format_failed cause={}", failed.toString());
        }
    }

    /**
     * Asks the writer to close the file and open its path again, after the lines it is writing. Completes
     * once the new file is open (exceptionally when it could not be opened: lines keep going to the old one).
     */
    public CompletableFuture<Void> reopen() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!running) {
            done.completeExceptionally(new IllegalStateException("access log closed"));
            return done;
        }
        reopenRequests.add(done);
        java.util.concurrent.locks.LockSupport.unpark(writer);
        return done;
    }

    /** Records not logged because a buffer was full (or the log closing): the figure to alert on. */
    public long droppedRecords() {
        return dropped.sum();
    }

    /** Refused handshakes left out by sampling or by the per-second cap (expected under a flood). */
    public long suppressedHandshakes() {
        return refused.suppressed();
    }

    /** Lines written so far. */
    public long writtenLines() {
        return written.get();
    }

    /** Batches that failed to be written (disk full, file gone): their lines are lost and counted here too. */
    public long writeErrors() {
        return writeErrors.get();
    }

    /** Where the lines go: the file's path or {@code stdout}. */
    public String destination() {
        return sink.describe();
    }

    /**
     * {@link #reopen()} for a caller that may wait (the console's worker): returns the log's state once the
     * new file is open; {@link java.io.UncheckedIOException} when it could not be opened.
     */
    public java.util.Map<String, Object> reopenAndWait() {
        try {
            reopen().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            throw new java.io.UncheckedIOException(c instanceof IOException io ? io : new IOException(c.toString(), c));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new java.io.UncheckedIOException(new IOException("the access log writer did not reopen within 10 s"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.UncheckedIOException(new IOException("interrupted"));
        }
        return state();
    }

    /** The counters and destination, as the console shows them. */
    public java.util.Map<String, Object> state() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("destination", destination());
        m.put("reopens", reopens());
        m.put("writtenLines", writtenLines());
        m.put("droppedRecords", droppedRecords());
        m.put("suppressedHandshakes", suppressedHandshakes());
        m.put("writeErrors", writeErrors());
        return m;
    }

    /** Reopens served so far. */
    public long reopens() {
        return reopens.get();
    }

    private void writeLoop() {
        JsonLine spare = new JsonLine(16 * 1024);
        while (running) {
            serveReopens();
            boolean behind = false;
            for (Slot s : slots) {
                JsonLine full = s.swap(spare);
                if (full != null) {
                    behind |= full.length() >= BEHIND_BYTES || full.lines() >= capacity / 2;
                    spare = write(full);
                } else if (!s.owner.isAlive()) {
                    slots.remove(s);
                }
            }
            if (!behind) {
                java.util.concurrent.locks.LockSupport.parkNanos(this, IDLE_PARK_NANOS);
            }
        }
        // closed: appends now drop, so one more sweep writes every line appended before the close
        for (Slot s : slots) {
            JsonLine full = s.swap(spare);
            if (full != null) {
                spare = write(full);
            }
        }
        serveReopens();
    }

    /** Writes a buffer of whole lines; returns it, emptied, as the next spare. */
    private JsonLine write(JsonLine out) {
        int lines = out.lines();
        try {
            sink.write(out.array(), out.length());
            written.addAndGet(lines);
        } catch (IOException e) {
            dropped.add(lines);
            if (writeErrors.getAndIncrement() % 1000 == 0) {
                log.warn("event=access_log_write_failed path={} lines={} errors={} cause={}", sink.describe(), lines,
                        writeErrors.get(), e.toString());
            }
        }
        out.shrinkTo(1024 * 1024); // a huge buffer leaves no huge array behind
        return out;
    }

    private void serveReopens() {
        CompletableFuture<Void> first = reopenRequests.poll();
        if (first == null) {
            return;
        }
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        waiting.add(first);
        CompletableFuture<Void> more;
        while ((more = reopenRequests.poll()) != null) {
            waiting.add(more);
        }
        try {
            sink.reopen();
            reopens.incrementAndGet();
            log.info("event=access_log_reopened path={}", sink.describe());
            waiting.forEach(f -> f.complete(null));
        } catch (IOException | RuntimeException e) {
            log.warn("event=access_log_reopen_failed path={} cause={}", sink.describe(), e.toString());
            waiting.forEach(f -> f.completeExceptionally(e));
        }
    }

    /** Stops taking records, writes those queued, closes the file. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        java.util.concurrent.locks.LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            sink.close();
        } catch (IOException e) {
            log.warn("event=access_log_close_failed path={} cause={}", sink.describe(), e.toString());
        }
        CompletableFuture<Void> f;
        while ((f = reopenRequests.poll()) != null) {
            f.completeExceptionally(new IllegalStateException("access log closed"));
        }
    }

    @Override
    public String toString() {
        return "AccessLog[" + Objects.toString(sink.describe()) + "]";
    }
}
