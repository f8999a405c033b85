package dev.gatehouse.appliance.events;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.EventRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.StoreListener;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's lifecycle events: written through the store (so they replicate over the grid and
 * survive restarts), ordered by a cluster-wide cursor ({@link EventSequence}), read in pages after
 * a cursor, optionally long-polled, and bounded by count and age.
 *
 * <p><b>Order and holes.</b> A cursor value is allocated before its event is written, so for a few
 * milliseconds a reader may see event 7 before event 6 has replicated to it. A page therefore stops
 * before a hole in the sequence while the event after the hole is younger than {@code holdBack}
 * (5 s): a reader never skips an event that is merely late. A hole older than that is a number
 * whose writer died between allocation and write, or events pruned by retention; it is passed.
 *
 * <p><b>Visibility.</b> A tenant token reads its tenant's events only; events about the cluster
 * itself ({@code vip.*}, {@code node.*}, tenant null) are for admin tokens.
 */
public final class Events implements EventSink, StoreListener {

    private static final Logger log = LoggerFactory.getLogger(Events.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Most events in one page. */
    public static final int MAX_LIMIT = 1000;
    /** Longest long-poll a request may ask for. */
    public static final Duration MAX_WAIT = Duration.ofSeconds(30);

    /**
     * @param maxEvents  retention by count: the oldest beyond it are deleted
     * @param maxAge     retention by age
     * @param holdBack   how long a page waits at a hole in the sequence
     * @param maxWaiters long-polls waiting at once on this node (each holds a console worker); more return at once
     */
    public record Settings(int maxEvents, Duration maxAge, Duration holdBack, int maxWaiters) {

        public static Settings defaults() {
            return new Settings(10_000, Duration.ofDays(7), Duration.ofSeconds(5), 4);
        }
    }

    /** One page: the events, and the cursor to pass as {@code after} next time. */
    public record Page(List<EventRecord> items, long next) {
    }

    private final Store store;
    private final String node;
    private final Clock clock;
    private final Settings settings;
    private volatile EventSequence sequence;
    private final AtomicLong highWater = new AtomicLong();
    private final Object arrivals = new Object();
    private final Semaphore waiters;

    public Events(Store store, String node, Clock clock, Settings settings) {
        this.store = store;
        this.node = node;
        this.clock = clock;
        this.settings = settings;
        this.waiters = new Semaphore(Math.max(0, settings.maxWaiters()));
        store.events().forEach(e -> highWater.accumulateAndGet(e.seq(), Math::max));
        this.sequence = EventSequence.local(highWater::get);
        store.addListener(this);
    }

    /** Clustered: allocate cursors from the grid (set once, before the node serves). */
    public void useSequence(EventSequence s) {
        this.sequence = s;
    }

    public Settings settings() {
        return settings;
    }

    /** The highest cursor this node has seen. */
    public long highWater() {
        return highWater.get();
    }

    @Override
    public void emit(String type, String tenant, String subject, Map<String, Object> data) {
        write("evt_" + HexFormat.of().formatHex(randomBytes()), type, tenant, subject, data);
    }

    @Override
    public void emitOnce(String onceKey, String type, String tenant, String subject, Map<String, Object> data) {
        String id = "evt_" + HexFormat.of().formatHex(sha256(type + "|" + onceKey), 0, 8);
        if (store.record(RecordKinds.EVENTS, id).isPresent()) {
            return;
        }
        write(id, type, tenant, subject, data);
    }

    private void write(String id, String type, String tenant, String subject, Map<String, Object> data) {
        Map<String, Object> clean = new LinkedHashMap<>();
        if (data != null) {
            data.forEach((k, v) -> {
                if (v != null) {
                    clean.put(k, v);
                }
            });
        }
        try {
            EventRecord e = new EventRecord(id, sequence.next(), type, tenant, subject, clean, node, clock.millis(),
                    store.nextRevision());
            store.put(RecordKinds.EVENTS, e);
            log.debug("event=event_emitted id={} seq={} type={} tenant={} subject={}", id, e.seq(), type, tenant,
                    subject);
        } catch (StoreException | RuntimeException e) {
            log.warn("event=event_emit_failed type={} tenant={} subject={} cause={}", type, tenant, subject,
                    e.toString());
        }
    }

    @Override
    public void eventAdded(EventRecord event) {
        highWater.accumulateAndGet(event.seq(), Math::max);
        synchronized (arrivals) {
            arrivals.notifyAll();
        }
    }

    /** What {@code who} may read: its tenant's events, or everything (optionally one tenant's) for an admin. */
    public static Predicate<EventRecord> visibleTo(Principal who, String tenant) throws ServiceException {
        if (who.admin()) {
            return tenant == null ? e -> true : e -> tenant.equals(e.tenant());
        }
        if (tenant != null && !tenant.equals(who.tenant())) {
            throw ServiceException.forbidden("a tenant token reads its own tenant's events only");
        }
        String mine = who.tenant();
        return e -> mine.equals(e.tenant());
    }

    /** Events after {@code cursor} that pass {@code filter}, at most {@code limit}, stopping at a young hole. */
    public Page after(long cursor, int limit, Predicate<EventRecord> filter) {
        List<EventRecord> all = new ArrayList<>();
        for (EventRecord e : store.events()) {
            if (e.seq() > cursor) {
                all.add(e);
            }
        }
        all.sort(Comparator.comparingLong(EventRecord::seq).thenComparing(EventRecord::id));
        long now = clock.millis();
        long prev = cursor;
        List<EventRecord> out = new ArrayList<>();
        for (EventRecord e : all) {
            if (e.seq() > prev + 1 && now - e.at() < settings.holdBack().toMillis()) {
                break; // a number below e may still be on its way from another node
            }
            prev = e.seq();
            if (filter.test(e)) {
                out.add(e);
                if (out.size() >= limit) {
                    break;
                }
            }
        }
        return new Page(out, prev);
    }

    /**
     * A page for an API caller: waits up to {@code wait} (≤ {@link #MAX_WAIT}) for a first event when
     * there is none yet. When {@link Settings#maxWaiters} long-polls already wait, answers at once.
     */
    public Page read(Principal who, String tenant, Set<String> types, long cursor, int limit, Duration wait)
            throws ServiceException, InterruptedException {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ServiceException.invalid("invalid-field", "limit", "limit: " + limit + " (expected: 1-" + MAX_LIMIT
                    + ")");
        }
        if (wait.isNegative() || wait.compareTo(MAX_WAIT) > 0) {
            throw ServiceException.invalid("invalid-field", "wait", "wait: " + wait.toSeconds()
                    + " (expected: 0-" + MAX_WAIT.toSeconds() + " seconds)");
        }
        Predicate<EventRecord> visible = visibleTo(who, tenant);
        Predicate<EventRecord> filter = types.isEmpty() ? visible : visible.and(e -> types.contains(e.type()));
        Page page = after(cursor, limit, filter);
        if (!page.items().isEmpty() || wait.isZero() || !waiters.tryAcquire()) {
            return page;
        }
        try {
            long deadline = System.nanoTime() + wait.toNanos();
            while (page.items().isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                long seen = highWater.get();
                synchronized (arrivals) {
                    if (highWater.get() == seen) {
                        // wake on arrival, and every 500 ms in case a hole's hold-back has run out
                        TimeUnit.NANOSECONDS.timedWait(arrivals, Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)));
                    }
                }
                page = after(page.next(), limit, filter);
            }
            return page;
        } finally {
            waiters.release();
        }
    }

    /** Deletes events beyond the retention bounds, oldest first (run by the delivery lease holder). */
    public int prune() {
        List<EventRecord> all = new ArrayList<>(store.events());
        all.sort(Comparator.comparingLong(EventRecord::seq));
        long oldest = clock.millis() - settings.maxAge().toMillis();
        int excess = all.size() - settings.maxEvents();
        int removed = 0;
        for (EventRecord e : all) {
            if (removed >= excess && e.at() >= oldest) {
                break;
            }
            try {
                if (store.remove(RecordKinds.EVENTS, e.id())) {
                    removed++;
                }
            } catch (StoreException ex) {
                log.warn("event=event_prune_failed id={} cause={}", e.id(), ex.toString());
                break;
            }
        }
        if (removed > 0) {
            log.info("event=events_pruned removed={} kept={} max_events={} max_age={}", removed, all.size() - removed,
                    settings.maxEvents(), settings.maxAge());
        }
        return removed;
    }

    /** The API view of an event (also the body a webhook receives). */
    public static Map<String, Object> view(EventRecord e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("cursor", String.valueOf(e.seq()));
        m.put("type", e.type());
        m.put("tenant", e.tenant());
        m.put("subject", e.subject());
        m.put("at", java.time.Instant.ofEpochMilli(e.at()).toString());
        m.put("node", e.node());
        m.put("data", e.data());
        return m;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
