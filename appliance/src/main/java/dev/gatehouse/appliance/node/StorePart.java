package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.cluster.store.FileStore;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's local durable store (its full snapshot): opened with the keys before anything reads
 * it, so that every later part sees what survived the last run.
 */
record StorePart(FileStore local) implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StorePart.class);

    /** @param clock revisions, tombstone expiry and the last sync with the cluster (see {@link StoreClock}) */
    static StorePart open(GatehouseConfig config, KeysPart keys, Clock clock) throws java.io.IOException {
        if (System.getProperty(StoreClock.PROPERTY) != null) {
            log.warn("event=store_clock_offset property={} offset={} reason=debug property set: revisions and tombstone "
                    + "expiry run on a shifted clock", StoreClock.PROPERTY, System.getProperty(StoreClock.PROPERTY));
        }
        return new StorePart(FileStore.open(keys.dataDir(), keys.sealer(), clock, config.store().tombstoneTtl()));
    }

    @Override
    public void close() {
        local.close(); // every write is already durable; the grid store closes it too when clustered
    }
}
