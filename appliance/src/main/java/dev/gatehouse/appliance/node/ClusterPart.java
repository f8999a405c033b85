package dev.gatehouse.appliance.node;

import com.hazelcast.core.HazelcastInstance;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.core.NodeLeases;
import dev.gatehouse.cluster.DaemonThreads;
import dev.gatehouse.cluster.grid.Grid;
import dev.gatehouse.cluster.grid.GridSettings;
import dev.gatehouse.cluster.grid.GridStore;
import dev.gatehouse.cluster.grid.TicketKeyShare;
import dev.gatehouse.cluster.lease.GridLeases;
import dev.gatehouse.cluster.lease.LocalLeases;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.tls.sni.CertificateRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Shared state. With {@code cluster.enabled}: join the grid, catch up with it (its events flow into
 * the local snapshot and, through it, into the engine), then share the session-ticket keys; from
 * then on {@link #store} is the grid's. Alone: the local store, and an hourly pass that forgets
 * expired tombstones (clustered, the grid store's passes do it). Closing leaves the grid.
 *
 * @param parts     grid, grid store and ticket keys; or the pruner alone
 * @param store     where the node's services read and write: the grid store when clustered, the local store alone
 * @param grid      null when not clustered
 * @param gridStore null when not clustered
 */
record ClusterPart(GatehouseConfig.Cluster config, Lifecycle parts, Store store, HazelcastInstance grid,
        GridStore gridStore) implements AutoCloseable {

    static ClusterPart join(GatehouseConfig.Cluster cl, FileStore local, Sealer sealer, CertificateRegistry registry)
            throws PartStartException {
        Lifecycle parts = new Lifecycle("cluster");
        if (!cl.enabled()) {
            parts.start("tombstone pruner", () -> {
                ScheduledExecutorService pruner =
                        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("gatehouse-tombstone-pruner"));
                pruner.scheduleWithFixedDelay(local::pruneTombstones, 1, 1, TimeUnit.HOURS);
                return pruner::shutdownNow;
            });
            return new ClusterPart(cl, parts, local, null, null);
        }
        HazelcastInstance grid = Grid.start(new GridSettings(cl.name(), cl.bind().getAddress().getHostAddress(),
                cl.bind().getPort(), cl.members()));
        parts.start("grid", () -> grid::shutdown);
        GridStore gridStore = parts.start("grid store", () -> new GridStore(grid, local, sealer).start());
        parts.start("ticket keys", () -> new TicketKeyShare(grid, sealer, cl.ticketKeyRotation(),
                registry::ticketKeys).start());
        return new ClusterPart(cl, parts, gridStore, grid, gridStore);
    }

    /** Leases held by one node at a time, taken as {@code node}: the grid's when clustered, this process's alone. */
    NodeLeases leases(String node, Clock clock) {
        return new NodeLeases(grid != null ? new GridLeases(grid, clock) : new LocalLeases(clock), node);
    }

    /** The status' {@code cluster} section without membership, or null when not clustered. */
    Map<String, Object> status() {
        if (grid == null) {
            return null;
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", config.name());
        c.put("members", grid.getCluster().getMembers().stream().map(mb -> mb.getAddress().toString()).toList());
        c.put("rejectedGridEntries", gridStore.rejectedEntries());
        long synced = gridStore.syncedAt();
        c.put("syncedAt", synced < 0 ? null : Instant.ofEpochMilli(synced).toString());
        c.put("prunedGridTombstones", gridStore.prunedGridTombstones());
        return c;
    }

    @Override
    public void close() throws PartCloseException {
        parts.close();
    }
}
