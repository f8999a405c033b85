package dev.gatehouse.appliance.accesslog;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.tls.observe.HandshakeRecord;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.observe.RequestRecord;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: a {@link RequestObserver} that, on the event loop, only {@code offer}s the record to a
 * bounded queue (a full queue drops it and counts it in {@link #droppedRecords()}; nothing ever blocks),
 * and one writer thread that formats the records ({@link AccessLogLine}) and writes them in batches of
 * whole lines, flushed per batch.
 *
 * <p>Threads: event loops call {@link #onRequest}/{@link #onHandshake} (lock-free counters and the
 * queue's offer); any thread calls {@link #reopen()}, which only enqueues a request the writer thread
 * serves between two batches; the writer thread alone touches the sink and the formatter. So a
 * logrotate-style move followed by a reopen neither loses nor doubles a line: lines written before the
 * reopen are in the moved file, the rest in the new one.
 *
 * <p>Refused handshakes are sampled (one in {@code sampleRefusedHandshakes}) and capped per second
 * ({@code refusedHandshakesPerSecond}); those left out are counted in {@link #suppressedHandshakes()}.
 * Completed handshakes are not logged (their facts are on every request line).
 */
public final class AccessLog implements RequestObserver, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    private static final int MAX_BATCH = 512;
    /**
     * How long the writer parks when the queue is empty. It polls rather than waiting on the
     * queue's condition: a waiting consumer makes every {@code offer} on the event loop signal it
     * (a futex wake and a context switch per request when both share a core), which cost a quarter
     * of the keep-alive throughput in bench/observability-overhead.sh. A line waits at most this
     * long for the writer.
     */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    // a reopen or close wakes the writer with LockSupport.unpark, not an interrupt: an interrupt during
    // a FileChannel write closes the channel and loses the batch

    /**
     * Many event loops offer, the writer polls: a lock-free bounded MPSC array queue (JCTools, as
     * shaded in Netty), where {@code ArrayBlockingQueue} took a lock on every offer.
     */
    private final java.util.Queue<Object> queue;
    private final LogSink sink;
    private final AccessLogLine line;
    private final int sample;
    private final int perSecond;
    private final Thread writer;
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> reopenRequests = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    private final LongAdder dropped = new LongAdder();
    private final LongAdder suppressed = new LongAdder();
    private final AtomicLong refusedSeen = new AtomicLong();
    private final AtomicLong capSecond = new AtomicLong();
    private final AtomicInteger capCount = new AtomicInteger();
    // written by the writer thread only
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final AtomicLong reopens = new AtomicLong();

    AccessLog(GatehouseConfig.AccessLog settings, String node, Function<String, String> tenantOf, LogSink sink) {
        this.queue = PlatformDependent.newFixedMpscQueue(settings.queueSize());
        this.sink = sink;
        this.line = new AccessLogLine(node, settings.fields(), settings.query(), tenantOf);
        this.sample = settings.sampleRefusedHandshakes();
        this.perSecond = settings.refusedHandshakesPerSecond();
        this.writer = new Thread(this::writeLoop, "gatehouse-access-log");
        this.writer.setDaemon(true);
    }

    /**
     * Opens the sink ({@code settings.path()}, or stdout for {@code -}) and starts the writer thread.
     *
     * @param tenantOf certificate id → tenant id (or null), called on the writer thread
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
        offer(request);
    }

    @Override
    public void onHandshake(HandshakeRecord handshake) {
        if (!handshake.ok()) {
            if (admitRefused()) {
                offer(handshake);
            } else {
                suppressed.increment();
            }
        }
    }

    private void offer(Object record) {
        if (!running || !queue.offer(record)) {
            dropped.increment();
        }
    }

    /** One in {@code sample}, then at most {@code perSecond} in the current second. */
    private boolean admitRefused() {
        if (sample == 0 || (sample > 1 && refusedSeen.getAndIncrement() % sample != 0)) {
            return false;
        }
        long second = System.nanoTime() / 1_000_000_000L;
        long current = capSecond.get();
        if (current != second && capSecond.compareAndSet(current, second)) {
            capCount.set(0);
        }
        return capCount.incrementAndGet() <= perSecond;
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

    /** Records not logged because the queue was full (or the log closing): the figure to alert on. */
    public long droppedRecords() {
        return dropped.sum();
    }

    /** Refused handshakes left out by sampling or by the per-second cap (expected under a flood). */
    public long suppressedHandshakes() {
        return suppressed.sum();
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
        List<Object> batch = new ArrayList<>(MAX_BATCH);
        JsonLine out = new JsonLine(64 * 1024);
        while (running || !queue.isEmpty()) {
            serveReopens();
            Object next;
            while (batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
                batch.add(next);
            }
            if (batch.isEmpty()) {
                java.util.concurrent.locks.LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                continue;
            }
            writeBatch(batch, out);
            batch.clear();
        }
        serveReopens();
    }

    private void writeBatch(List<Object> batch, JsonLine out) {
        out.clear();
        int lines = 0;
        for (Object r : batch) {
            int mark = out.length();
            try {
                if (r instanceof RequestRecord req) {
                    line.append(req, out);
                } else {
                    line.append((HandshakeRecord) r, out);
                }
                lines++;
            } catch (RuntimeException e) {
                out.truncate(mark); // no half line
                dropped.increment();
                log.warn("event=access_log_format_failed cause={}", e.toString());
            }
        }
        if (lines == 0) {
            return;
        }
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
        out.shrinkTo(1024 * 1024); // a huge batch leaves no huge buffer behind
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
