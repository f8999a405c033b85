package dev.gatehouse.cluster.grid;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.FileStoreAccess;
import dev.gatehouse.cluster.store.HybridClock;
import dev.gatehouse.cluster.store.RecordKind;
import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.StoreListener;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store of a cluster: every object lives in a Hazelcast map, sealed with the cluster key, and
 * every node keeps the full data set in its local {@link FileStore} (its durable snapshot), from
 * which it reads. Writes go to the grid under a revision guard (higher revision wins) and to the
 * local snapshot before they are acknowledged; every node applies the map events to its snapshot
 * and so to its engine. A node that starts reconciles with the grid (newer wins, in both
 * directions: this is how a full-cluster restart re-seeds the grid) before it reports ready, and
 * again on membership changes and every 30 s. Tombstones expire after the local store's
 * {@link FileStore#tombstoneTtl()}, on disk and in the grid; a node whose store was away longer
 * than that takes the cluster's state instead of pushing records the cluster has forgotten (see
 * {@link Reconciler#reconcile()}). The clock is the local store's, so tests can move time.
 *
 * <p>An entry that does not open with the cluster key (a rogue member's, or tampered) is never
 * applied: it is logged, counted, and overwritten with this node's copy when it has one.
 * Hazelcast's CP subsystem is not used (not in the community edition since 5.5).
 */
public final class GridStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(GridStore.class);

    private final HazelcastInstance hz;
    private final FileStore local;
    private final Sealer clusterSealer;
    private final FileStoreAccess access;
    private final GridWriter writer;
    private final Reconciler reconciler;
    private final AtomicLong rejected = new AtomicLong();
    private volatile LongConsumer replicationLag = lag -> { };
    private final Clock clock;
    private final ExecutorService events = Executors.newSingleThreadExecutor(daemon("gatehouse-grid-events"));
    private final List<UUID> registrations = new ArrayList<>();
    private final ScheduledExecutorService antiEntropy = Executors.newSingleThreadScheduledExecutor(
            daemon("gatehouse-grid-anti-entropy"));

    public GridStore(HazelcastInstance hz, FileStore local, Sealer clusterSealer) {
        this.hz = hz;
        this.local = local;
        this.clusterSealer = clusterSealer;
        this.access = new FileStoreAccess(local);
        this.clock = access.clock();
        this.writer = new GridWriter(hz, clusterSealer, access);
        this.reconciler = new Reconciler(hz, clusterSealer, access, writer, this::reject);
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Subscribes to the grid and reconciles with it; returns when this node has caught up. */
    public GridStore start() throws StoreException {
        for (String kind : FileStoreAccess.kinds()) {
            IMap<String, String> map = hz.getMap(MapNames.of(kind));
            registrations.add(map.addEntryListener(new Listener(kind), true));
        }
        reconciler.reconcile();
        // An event can be lost when a member dies between a write and its notification; a membership
        // change, and a periodic pass, re-run reconciliation (anti-entropy) on the event thread.
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                scheduleReconcile();
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                scheduleReconcile();
            }
        });
        antiEntropy.scheduleWithFixedDelay(this::scheduleReconcile, 30, 30, TimeUnit.SECONDS);
        return this;
    }

    private void scheduleReconcile() {
        events.execute(() -> {
            try {
                reconciler.reconcile();
            } catch (StoreException | RuntimeException e) {
                log.warn("event=grid_reconcile_failed cause={}", e.toString());
            }
        });
    }

    /** Runs one reconciliation pass on the event thread now and waits for it (tests: no 30 s wait). */
    void reconcileNow() throws Exception {
        events.submit(() -> {
            reconciler.reconcile();
            return null;
        }).get(60, TimeUnit.SECONDS);
    }

    /**
     * Tells {@code listener}, on the grid's event thread, how long each change written by another
     * member took until it was applied here: this node's wall clock at apply minus the wall-clock part
     * of the change's revision (milliseconds; so it includes the two nodes' clock offset, and a
     * negative figure is reported as 0). Must be cheap and must not throw.
     */
    public void onReplicationLag(LongConsumer listener) {
        this.replicationLag = listener;
    }

    /**
     * Grid values still sealed with a key other than this node's sealing key after the last
     * reconciliation pass (the oldest member re-seals them during its passes, every 30 s), or -1
     * before the first pass: a key rotation is finished when this is 0 on every node.
     */
    public int retiredKeyEntries() {
        return reconciler.lastPass().retiredKeyEntries();
    }

    /** Entries (grid and local, all kinds) the last reconciliation pass compared by revision; -1 before it. */
    public long lastPassCompared() {
        return reconciler.lastPass().compared();
    }

    /** Entries the last pass fetched from the grid and opened because their revisions differed; -1 before it. */
    public long lastPassFetched() {
        return reconciler.lastPass().fetched();
    }

    /** Entries seen in the grid that did not open with the cluster key. */
    public long rejectedEntries() {
        return rejected.get();
    }

    /** Grid tombstones this node has forgotten (as the oldest member) since it started. */
    public long prunedGridTombstones() {
        return reconciler.prunedGridTombstones();
    }

    /** Completed reconciliation passes since this store started. */
    public long reconciliations() {
        return reconciler.reconciliations();
    }

    /** How long the last completed reconciliation pass took, in nanoseconds (-1 when none yet). */
    public long lastReconcileNanos() {
        return reconciler.lastPass().nanos();
    }

    /** Epoch ms of this node's last completed reconciliation with the grid, -1 when never. */
    public long syncedAt() {
        return access.syncedAt();
    }

    private void reject(String mapName, String key, Exception e) {
        rejected.incrementAndGet();
        log.error("event=grid_entry_rejected map={} key={} reason={}", mapName, key, e.getMessage());
    }

    private final class Listener implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
            EntryMergedListener<String, String> {
        private final String kind;

        Listener(String kind) {
            this.kind = kind;
        }

        @Override
        public void entryAdded(EntryEvent<String, String> event) {
            onChange(event);
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> event) {
            onChange(event);
        }

        @Override
        public void entryMerged(EntryEvent<String, String> event) {
            onChange(event);
        }

        /** Hazelcast event threads only enqueue; the single event thread opens, writes, notifies. */
        private void onChange(EntryEvent<String, String> event) {
            String key = event.getKey();
            String value = event.getValue();
            boolean remote = event.getMember() != null && !event.getMember().localMember();
            events.execute(() -> apply(kind, key, value, remote));
        }
    }

    private void apply(String kind, String key, String encoded, boolean remote) {
        String mapName = MapNames.of(kind);
        if (!remote && encoded != null && GridValue.revisionOf(encoded) <= access.revisionOf(kind, key)) {
            // this member's own write (a put, a push or a heal): the snapshot has that revision already
            // and would keep what it has, so the value is not opened (at 1,000,000 certificates a node's
            // first push made as many events, each an unseal and an inflate for nothing)
            return;
        }
        try {
            GridValue v = GridValue.decode(clusterSealer, mapName, key, encoded);
            access.apply(kind, key, v.revision(), v.json());
            if (remote) {
                replicationLag.accept(Math.max(0, clock.millis() - HybridClock.millis(v.revision())));
            }
        } catch (SealException e) {
            reject(mapName, key, e);
            writer.heal(kind, key); // our valid copy back over the forged one
        } catch (StoreException | RuntimeException e) {
            log.error("event=grid_apply_failed map={} key={} cause={}", mapName, key, e.toString());
        }
    }

    // ---- Store: reads from the local snapshot, writes through the grid -----------------------

    @Override
    public <T> Collection<T> records(RecordKind<T> kind) {
        return local.records(kind);
    }

    @Override
    public <T> Optional<T> record(RecordKind<T> kind, String key) {
        return local.record(kind, key);
    }

    @Override
    public <T> void put(RecordKind<T> kind, T record) throws StoreException {
        T r = kind.cast(record);
        writer.write(kind.name(), kind.keyOf(r), kind.revisionOf(r), r);
    }

    @Override
    public boolean remove(RecordKind<?> kind, String key) throws StoreException {
        if (local.record(kind, key).isEmpty()) {
            return false;
        }
        writer.write(kind.name(), key, nextRevision(), null);
        return true;
    }

    @Override
    public long nextRevision() {
        return local.nextRevision();
    }

    @Override
    public void addListener(StoreListener listener) {
        local.addListener(listener);
    }

    @Override
    public Sealer sealer() {
        return local.sealer();
    }

    /**
     * Completes once every grid event queued before this call has been applied to the local snapshot
     * (their store changes may still be reaching listeners: {@link FileStore#awaitChangesDelivered}).
     */
    public Future<?> eventsApplied() {
        return events.submit(() -> { });
    }

    /** Waits until every queued grid event has been applied (tests, and orderly shutdown). */
    public void drainEvents() throws InterruptedException {
        try {
            events.submit(() -> { }).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("grid events did not drain", e);
        }
    }

    @Override
    public void close() {
        antiEntropy.shutdownNow();
        events.shutdown();
        try {
            events.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        local.close();
    }
}
