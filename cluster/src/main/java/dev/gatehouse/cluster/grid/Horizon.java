package dev.gatehouse.cluster.grid;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.gatehouse.cluster.store.FileStoreAccess;
import dev.gatehouse.cluster.store.HybridClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tombstone-lifetime rules of one reconciliation pass: whether this store was away so long
 * that the cluster may have deleted, and since forgotten, records it still holds ({@link #stale()}),
 * whether this node seeds a fresh grid, and whether the grid was re-seeded from a snapshot a whole
 * lifetime older than this store's ({@link #reSeededFromOlderSnapshot}).
 *
 * <p>Why it is sound: a pass that starts at {@code t} and completes puts everything the grid held at
 * {@code t} into the store, and every write reaches the grid before it is acknowledged. A delete
 * after {@code t} leaves a tombstone in the grid for the lifetime; so a store whose last completed
 * pass is younger than the lifetime finds every delete it missed, and only an older one can miss
 * one. {@link #CLOCK_SKEW_ALLOWANCE} covers clocks that disagree between nodes.
 *
 * <p>A fresh grid (no {@link MapNames#SEEDED} marker: the whole cluster restarted) has no cluster
 * state to defer to, so the first node seeds it with everything it holds, stale or not, and records
 * its snapshot's sync time in the marker. A split brain is not covered: each side keeps reconciling
 * with itself, so a partition longer than the lifetime can bring deletes of one side back.
 */
final class Horizon {

    /** Clock difference between nodes tolerated: stale once away longer than the lifetime minus this. */
    static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofMinutes(5);

    private final Duration ttl;
    private final long passStart;
    private final long synced;
    private final boolean seeding;
    private final long seedSyncedAt;

    private Horizon(Duration ttl, long passStart, long synced, boolean seeding, long seedSyncedAt) {
        this.ttl = ttl;
        this.passStart = passStart;
        this.synced = synced;
        this.seeding = seeding;
        this.seedSyncedAt = seedSyncedAt;
    }

    /** The rules of a pass starting now; a node's first pass also claims (or reads) the seed marker. */
    static Horizon begin(HazelcastInstance hz, FileStoreAccess access, boolean firstPass) {
        long now = access.clock().millis();
        long synced = access.syncedAt();
        boolean seeding = false;
        long seedSyncedAt = -1;
        if (firstPass) {
            // one node seeds a fresh grid; every other node meets a seeded grid, even while it is still filling
            String seed = hz.<String, String>getMap(MapNames.GRID_STATE).putIfAbsent(MapNames.SEEDED,
                    hz.getCluster().getLocalMember().getUuid() + "|" + (synced < 0 ? now : synced));
            seeding = seed == null;
            seedSyncedAt = seeding ? -1 : syncedAtOf(seed);
        }
        return new Horizon(access.tombstoneTtl(), now, synced, seeding, seedSyncedAt);
    }

    private long limitMillis() {
        return ttl.minus(CLOCK_SKEW_ALLOWANCE).toMillis();
    }

    /** Start of this pass (epoch ms): the store's sync time once the pass completes. */
    long passStart() {
        return passStart;
    }

    /** This node found the grid fresh and seeds it. */
    boolean seeding() {
        return seeding;
    }

    /** Since the store's last completed pass, or null when it never synced (and is empty). */
    Duration away() {
        return synced < 0 ? null : Duration.ofMillis(passStart - synced);
    }

    /** Away longer than the lifetime, and there is a cluster state to defer to. */
    boolean stale() {
        return !seeding && synced >= 0 && passStart - synced > limitMillis();
    }

    /**
     * A live grid record this store has no trace of, although it was in the grid before this
     * store's last completed pass, in a grid seeded from a snapshot a lifetime older than this
     * store's: deleted since, the delete forgotten, and brought back by the old seed.
     */
    boolean reSeededFromOlderSnapshot(long mine, GridValue grid) {
        return seedSyncedAt >= 0 && synced - seedSyncedAt > limitMillis() && mine < 0 && grid != null
                && !grid.tombstone()
                && HybridClock.millis(grid.revision()) < synced - CLOCK_SKEW_ALLOWANCE.toMillis();
    }

    String describe() {
        return "synced_at=" + (synced < 0 ? "never" : Instant.ofEpochMilli(synced)) + " away=" + away()
                + (seedSyncedAt < 0 ? "" : " seed_synced_at=" + Instant.ofEpochMilli(seedSyncedAt)) + " horizon=" + ttl;
    }

    /** Forgets grid tombstones older than the lifetime, on the partition owners; counts by kind. */
    static Map<String, Integer> pruneGrid(HazelcastInstance hz, long nowMillis, Duration ttl) {
        ExpiredTombstone expired = new ExpiredTombstone(nowMillis - ttl.toMillis());
        Map<String, Integer> pruned = new TreeMap<>();
        for (String kind : FileStoreAccess.kinds()) {
            IMap<String, String> map = hz.getMap(MapNames.of(kind));
            int n = map.keySet(expired).size();
            if (n > 0) {
                map.removeAll(expired);
                pruned.put(kind, n);
            }
        }
        return pruned;
    }

    /** The sync time in a seed marker ({@code <member>|<syncedAt>}), -1 when unreadable. */
    static long syncedAtOf(String seed) {
        int bar = seed.lastIndexOf('|');
        try {
            return bar < 0 ? -1 : Long.parseLong(seed.substring(bar + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
