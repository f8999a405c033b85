package dev.gatehouse.appliance.acme;

import dev.gatehouse.appliance.domains.ClaimIndex;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import java.time.Clock;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On-demand issuance (Caddy-style, {@code acme.onDemand}): a handshake for a name that is
 * verified but has no managed certificate yet asks for one. The handshake itself is refused (the
 * certificate arrives seconds later; clients retry). Scanners cannot trigger issuance: only names
 * a tenant proved in DNS qualify, each at most once while its request is queued, and at most
 * {@code acme.onDemandPerHour} new requests per node per hour; the rest are counted
 * ({@code acme.on_demand_rate_limited}) and dropped.
 *
 * <p>{@link #accept} runs on the event loop, in the handshake, and takes no lock: two map reads
 * (the claim index snapshot, the local store), a lock-free set for the names in flight, a CAS
 * token bucket (GCRA) and a lock-free queue bounded at {@value #MAX_QUEUED} names (beyond that a
 * request is refused and counted as {@code acme.on_demand_queue_full}). It never wakes a thread
 * (waking one takes the parked thread's lock): the single drain thread of this class polls the
 * queue every {@value #POLL_MILLIS} ms and hands each name to the scheduler, which may block.
 */
public final class OnDemand implements Consumer<String>, AutoCloseable {

    /** Most names queued or being requested at once; the handshake path refuses beyond it. */
    static final int MAX_QUEUED = 256;
    static final long POLL_MILLIS = 100;
    private static final Logger log = LoggerFactory.getLogger(OnDemand.class);

    private final Predicate<String> qualifies;
    private final EdgeMetrics metrics;
    private final BiConsumer<String, Runnable> request;
    private final Clock clock;
    /** GCRA: the time, in microseconds, a request conforms again at the steady rate. */
    private final AtomicLong theoreticalArrival;
    private final long emissionMicros;
    private final long burstMicros;
    /** Names queued or being requested now: deduplicates, without a lock (a skip list, CAS only). */
    private final Set<String> inFlight = new ConcurrentSkipListSet<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final Queue<String> queue = new ConcurrentLinkedQueue<>();
    private final Thread drainer;
    private volatile boolean closed;

    /**
     * @param request called on this class's drain thread with a qualifying name and what to run once
     *                the request was written or refused; may block
     */
    public OnDemand(Store store, ClaimIndex claims, int perHour, EdgeMetrics metrics, Clock clock,
            BiConsumer<String, Runnable> request) {
        this(name -> claims.verified(name).isPresent() && store.record(RecordKinds.MANAGED, name).isEmpty(), perHour, metrics,
                clock, request);
    }

    /** @param qualifies true for a verified name without a managed certificate; must not block */
    OnDemand(Predicate<String> qualifies, int perHour, EdgeMetrics metrics, Clock clock,
            BiConsumer<String, Runnable> request) {
        if (perHour < 1) {
            throw new IllegalArgumentException("acme.onDemandPerHour: " + perHour + " (expected: >= 1)");
        }
        this.qualifies = qualifies;
        this.metrics = metrics;
        this.request = request;
        this.clock = clock;
        this.emissionMicros = TimeUnit.HOURS.toMicros(1) / perHour;
        this.burstMicros = emissionMicros * (perHour - 1); // a full bucket: perHour requests at once
        this.theoreticalArrival = new AtomicLong(nowMicros());
        // registered now, so the handshake path only ever reads the counter map
        for (String c : new String[] {"acme.on_demand_requested", "acme.on_demand_rate_limited",
                "acme.on_demand_queue_full"}) {
            metrics.add(c, 0);
        }
        drainer = new Thread(this::drain, "gatehouse-acme-on-demand");
        drainer.setDaemon(true);
        drainer.start();
    }

    @Override
    public void accept(String name) {
        if (closed || !qualifies.test(name) || !inFlight.add(name)) {
            return;
        }
        if (pending.incrementAndGet() > MAX_QUEUED) {
            pending.decrementAndGet();
            inFlight.remove(name);
            metrics.increment("acme.on_demand_queue_full");
            log.debug("event=acme_on_demand_queue_full name={} queued={}", name, MAX_QUEUED);
            return;
        }
        if (!take()) {
            pending.decrementAndGet();
            inFlight.remove(name);
            metrics.increment("acme.on_demand_rate_limited");
            log.debug("event=acme_on_demand_rate_limited name={}", name);
            return;
        }
        metrics.increment("acme.on_demand_requested");
        queue.offer(name);
    }

    /** Names whose on-demand request is queued for the scheduler, or being written, now. */
    public int queued() {
        return pending.get();
    }

    /** One token of the bucket, or false when the hourly rate is used up; a CAS loop, no lock. */
    private boolean take() {
        long now = nowMicros();
        while (true) {
            long tat = theoreticalArrival.get();
            long from = Math.max(tat, now);
            if (from - now > burstMicros) {
                return false;
            }
            if (theoreticalArrival.compareAndSet(tat, from + emissionMicros)) {
                return true;
            }
        }
    }

    private long nowMicros() {
        return TimeUnit.MILLISECONDS.toMicros(clock.millis());
    }

    /** The drain thread: hands queued names to the scheduler, polling (never woken by the event loop). */
    private void drain() {
        while (!closed) {
            String name = queue.poll();
            if (name == null) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS));
                continue;
            }
            try {
                request.accept(name, () -> {
                    inFlight.remove(name);
                    pending.decrementAndGet();
                });
            } catch (RuntimeException e) {
                inFlight.remove(name);
                pending.decrementAndGet();
                log.warn("event=acme_on_demand_failed name={} cause={}", name, e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        drainer.interrupt();
    }
}
