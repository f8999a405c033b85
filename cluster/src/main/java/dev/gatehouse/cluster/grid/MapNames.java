package dev.gatehouse.cluster.grid;

import dev.gatehouse.cluster.store.Records;

/** Every Hazelcast map Gatehouse uses, in one place. */
public final class MapNames {

    public static final String PREFIX = "gatehouse.";
    public static final String TICKET_KEYS = PREFIX + "ticket-keys";
    /**
     * Leases ({@code owner|expiresAt}): deliberately outside {@link #PREFIX}, so the revision merge
     * policy (for sealed store values) does not apply; Hazelcast's default merge keeps one holder.
     */
    public static final String LEASES = "gatehouse-leases";
    /**
     * Facts about the grid itself (not store objects, outside {@link #PREFIX}): {@link #SEEDED} is
     * present once some node has seeded the grid since the whole cluster last started.
     */
    public static final String GRID_STATE = "gatehouse-grid-state";
    public static final String SEEDED = "seeded";
    /**
     * The cluster's event sequence (one counter, key {@code seq}): taken with {@code replace(key, old,
     * new)}, like {@link #LEASES}, outside {@link #PREFIX} (not a sealed store value).
     */
    public static final String EVENT_SEQUENCE = "gatehouse-event-sequence";

    private MapNames() {
    }

    /** The grid map holding one kind of store object ({@link Records}). */
    public static String of(String kind) {
        return PREFIX + kind;
    }
}
