package dev.gatehouse.cluster.grid;

import dev.gatehouse.cluster.store.Records;

/** Every Hazelcast map Gatehouse uses, in one place. */
public final class MapNames {

    public static final String PREFIX = "gatehouse.";
    public static final String TICKET_KEYS = PREFIX + "ticket-keys";

    private MapNames() {
    }

    /** The grid map holding one kind of store object ({@link Records}). */
    public static String of(String kind) {
        return PREFIX + kind;
    }
}
