package dev.gatehouse.cluster.grid;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.gatehouse.cluster.store.FileStoreAccess;
import dev.gatehouse.cluster.store.RecordKind;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's reconciliation with the grid (anti-entropy), run by the grid store's event thread only:
 * on start, on membership changes and every 30 s. Revisions are compared where the entries live;
 * only the entries that differ (or sit under a retired key) are fetched and opened. The counters it
 * keeps are read by the status and metrics from other threads.
 */
final class Reconciler {

    /** Under the grid store's name: its log lines are the grid store's (operators and tests read them so). */
    private static final Logger log = LoggerFactory.getLogger(GridStore.class);
    private static final int BATCH = 1000;

    private final HazelcastInstance hz;
    private final Sealer clusterSealer;
    private final FileStoreAccess access;
    private final GridWriter writer;
    private final Rejections rejections;
    private final AtomicLong reconciliations = new AtomicLong();
    private final AtomicLong prunedInGrid = new AtomicLong();
    private volatile LastPass lastPass = LastPass.NONE;
    /** True until the first reconciliation completed; written by the thread running the passes. */
    private volatile boolean firstPass = true;

    /** Counts and logs a grid entry that did not open with the cluster key. */
    interface Rejections {
        void reject(String mapName, String key, Exception cause);
    }

    Reconciler(HazelcastInstance hz, Sealer clusterSealer, FileStoreAccess access, GridWriter writer,
            Rejections rejections) {
        this.hz = hz;
        this.clusterSealer = clusterSealer;
        this.access = access;
        this.writer = writer;
        this.rejections = rejections;
    }

    /**
     * What the last completed pass found, for the status and metrics (every figure -1 before the first).
     *
     * @param retiredKeyEntries grid values still sealed with another key than this node's sealing key
     * @param compared          entries (grid and local, all kinds) compared by revision
     * @param fetched           entries fetched from the grid and opened because their revisions differed
     * @param nanos             how long the pass took
     */
    record LastPass(int retiredKeyEntries, long compared, long fetched, long nanos) {
        static final LastPass NONE = new LastPass(-1, -1, -1, -1);
    }

    LastPass lastPass() {
        return lastPass;
    }

    long prunedGridTombstones() {
        return prunedInGrid.get();
    }

    long reconciliations() {
        return reconciliations.get();
    }

    /** What one pass did, for its log line and the counters. */
    private static final class Pass {
        int pulled;
        int pushed;
        int resealed;
        int underRetiredKey;
        long compared;
        long fetched;
        final Map<String, Integer> dropped = new TreeMap<>();
        final Map<String, Integer> deletedAgain = new TreeMap<>();

        static int sum(Map<String, Integer> m) {
            return m.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /**
     * Newer wins, both ways: pulls what the grid has newer (in bulk, synced once at the end), pushes
     * what this node has newer (re-seeding the grid after a full restart), and re-seals values
     * sealed with a retired cluster key (only the oldest member does, to avoid duelling writes).
     *
     * <p>Except past the tombstone lifetime ({@link Horizon}). A stale store (away longer than the
     * lifetime, joining a grid another node seeded) drops a local record the grid does not have
     * instead of pushing it, and a grid tombstone beats its local record whatever the revisions;
     * records present in both still resolve by revision. A node whose snapshot is a lifetime newer
     * than the snapshot that re-seeded the grid deletes again what that seed brought back. A token
     * revoked in the grid stays revoked whatever the revisions (revocation is one-way). After a
     * completed pass the store records the pass's start as its sync time and forgets expired
     * tombstones; the oldest member forgets them in the grid.
     */
    void reconcile() throws StoreException {
        long t0 = System.nanoTime();
        boolean oldest = hz.getCluster().getMembers().iterator().next().localMember();
        Horizon horizon = Horizon.begin(hz, access, firstPass);
        Pass pass = new Pass();
        access.beginBulk();
        try {
            for (String kind : FileStoreAccess.kinds()) {
                reconcileKind(kind, horizon, oldest, pass);
            }
        } finally {
            access.endBulk();
        }
        firstPass = false;
        access.markSynced(horizon.passStart());
        pass.dropped.forEach((kind, n) -> log.warn("event=stale_records_dropped kind={} dropped={} {} reason=the "
                + "cluster no longer has them (or revoked them) and this store was away longer than the horizon", kind,
                n, horizon.describe()));
        pass.deletedAgain.forEach((kind, n) -> log.warn("event=stale_seed_records_deleted kind={} deleted={} {} "
                + "reason=the grid was re-seeded from a snapshot a horizon older than this one; these records were "
                + "deleted since", kind, n, horizon.describe()));
        access.pruneTombstones();
        if (oldest) {
            Map<String, Integer> pruned = Horizon.pruneGrid(hz, access.clock().millis(), access.tombstoneTtl());
            if (!pruned.isEmpty()) {
                prunedInGrid.addAndGet(Pass.sum(pruned));
                log.info("event=tombstones_pruned where=grid pruned={} horizon={}", pruned, access.tombstoneTtl());
            }
        }
        log.info("event=grid_reconciled compared={} fetched={} pulled={} pushed={} resealed={} dropped={} "
                + "deleted_again={} stale={} seeded={} took_ms={}", pass.compared, pass.fetched, pass.pulled,
                pass.pushed, pass.resealed, Pass.sum(pass.dropped), Pass.sum(pass.deletedAgain), horizon.stale(),
                horizon.seeding(), (System.nanoTime() - t0) / 1_000_000);
        lastPass = new LastPass(Math.max(0, pass.underRetiredKey - pass.resealed), pass.compared, pass.fetched,
                System.nanoTime() - t0);
        reconciliations.incrementAndGet();
    }

    /** Compares revisions first (computed where the entries live, values stay put), then settles the keys that differ. */
    private void reconcileKind(String kind, Horizon horizon, boolean oldest, Pass pass) throws StoreException {
        String mapName = MapNames.of(kind);
        IMap<String, String> map = hz.getMap(mapName);
        String sealing = clusterSealer.sealingKeyId();
        Map<String, RevisionProjection.Summary> summaries = new HashMap<>();
        for (String row : map.project(new RevisionProjection())) {
            RevisionProjection.Summary sum = RevisionProjection.parse(row);
            if (sum != null) {
                summaries.put(sum.key(), sum);
                if (!sealing.equals(sum.keyId())) {
                    pass.underRetiredKey++;
                }
            }
        }
        Set<String> keys = new HashSet<>(summaries.keySet());
        keys.addAll(access.keys(kind));
        List<String> differing = new ArrayList<>();
        for (String key : keys) {
            RevisionProjection.Summary sum = summaries.get(key);
            long mine = access.revisionOf(kind, key);
            if (sum != null && mine >= 0 && sum.revision() == mine && sealing.equals(sum.keyId())) {
                continue; // the same write on both sides, sealed with the current key: in sync
            }
            differing.add(key);
        }
        summaries = null; // (let the summaries go before the values come in)
        pass.compared += keys.size();
        pass.fetched += differing.size();
        for (int from = 0; from < differing.size(); from += BATCH) {
            Set<String> batch = new HashSet<>(differing.subList(from, Math.min(differing.size(), from + BATCH)));
            Map<String, String> gridValues = map.getAll(batch);
            // opening and parsing is most of a catch-up's work and needs no lock: on every core, then
            // applied one by one on this thread
            Map<String, Fetched> opened = new ConcurrentHashMap<>();
            batch.parallelStream().forEach(key -> opened.put(key, open(kind, mapName, key, gridValues.get(key))));
            for (String key : batch) {
                settle(kind, mapName, key, opened.get(key), horizon, oldest, pass);
            }
        }
    }

    /**
     * A grid entry as fetched: its encoded value (null when the grid has none), the value opened (null
     * when absent or it did not open, then {@code error}), and its record parsed when it is newer
     * than the local copy (null otherwise, or when it does not parse: applying reports that).
     */
    private record Fetched(String encoded, GridValue grid, SealException error, Object parsed) {
    }

    private Fetched open(String kind, String mapName, String key, String encoded) {
        if (encoded == null) {
            return new Fetched(null, null, null, null);
        }
        GridValue grid;
        try {
            grid = GridValue.decode(clusterSealer, mapName, key, encoded);
        } catch (SealException e) {
            return new Fetched(encoded, null, e, null);
        }
        Object parsed = null;
        if (!grid.tombstone() && grid.revision() > access.revisionOf(kind, key)) {
            try {
                parsed = FileStoreAccess.parse(kind, key, grid.json());
            } catch (StoreException e) {
                parsed = null; // applying parses again and reports it
            }
        }
        return new Fetched(encoded, grid, null, parsed);
    }

    /** One key whose revisions differ: pull, push, drop, delete again or re-seal. */
    private void settle(String kind, String mapName, String key, Fetched fetched, Horizon horizon, boolean oldest,
            Pass pass) throws StoreException {
        boolean stale = horizon.stale();
        String encoded = fetched.encoded();
        GridValue grid = fetched.grid();
        if (fetched.error() != null) {
            rejections.reject(mapName, key, fetched.error());
        }
        long mine = access.revisionOf(kind, key);
        boolean mineLive = access.isLive(kind, key);
        if (horizon.reSeededFromOlderSnapshot(mine, grid)) {
            writer.write(kind, key, access.nextRevision(), null);
            pass.deletedAgain.merge(kind, 1, Integer::sum);
            log.debug("event=stale_seed_record_deleted kind={} key={}", kind, key);
        } else if (grid != null && grid.revision() > mine) {
            if (access.apply(kind, key, grid.revision(), grid.json(), fetched.parsed())) {
                pass.pulled++;
            }
        } else if (stale && mineLive && (encoded == null || grid != null && grid.tombstone())) {
            // the cluster has no such record (deleted and forgotten?) or deleted it: take its word
            access.adopt(kind, key, grid == null ? -1 : grid.revision(), null);
            pass.dropped.merge(kind, 1, Integer::sum);
            log.debug("event=stale_record_dropped kind={} key={} grid={}", kind, key, grid == null ? "absent" : "deleted");
        } else if (stale && encoded != null && grid == null) {
            return; // unreadable in the grid: a stale copy is no better, leave healing to others
        } else if (mineLive && grid != null && grid.revision() < mine && gridWinsOver(kind, grid, key)) {
            access.adopt(kind, key, grid.revision(), grid.json());
            pass.dropped.merge(kind, 1, Integer::sum);
            log.debug("event=stale_record_dropped kind={} key={} grid=revoked", kind, key);
        } else if (mine >= 0 && (grid == null || mine > grid.revision())) {
            if (!mineLive && access.expired(mine)) {
                return; // a forgotten delete: nothing to tell the grid
            }
            writer.push(kind, key, mine, access.jsonOf(kind, key));
            pass.pushed++;
        } else if (oldest && grid != null && !clusterSealer.sealingKeyId().equals(GridValue.keyIdOf(encoded))) {
            writer.reseal(kind, key, grid);
            pass.resealed++;
        }
    }

    /** The grid's older copy still wins (its kind says so: a token revoked only in the grid, revocation is one-way). */
    private boolean gridWinsOver(String kind, GridValue grid, String key) {
        if (grid.tombstone()) {
            return false;
        }
        return gridWinsOver(RecordKinds.of(kind), grid.json(), access.jsonOf(kind, key));
    }

    private static <T> boolean gridWinsOver(RecordKind<T> kind, String gridJson, String localJson) {
        try {
            return localJson != null && kind.gridWinsOver(GridWriter.JSON.readValue(gridJson, kind.type()),
                    GridWriter.JSON.readValue(localJson, kind.type()));
        } catch (IOException e) {
            return false;
        }
    }
}
