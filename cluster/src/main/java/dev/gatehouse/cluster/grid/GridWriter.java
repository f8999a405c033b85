package dev.gatehouse.cluster.grid;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.gatehouse.cluster.store.FileStoreAccess;
import dev.gatehouse.cluster.store.RecordKind;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.SealedValue;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.StoreException;
import java.io.IOException;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of the grid store, shared by API writes, reconciliation and event healing: seals
 * a record into its grid value, writes it under the revision guard, then applies it to the local
 * snapshot; re-seals values found under a retired cluster key.
 */
final class GridWriter {

    /** Under the grid store's name: its log lines are the grid store's. */
    private static final Logger log = LoggerFactory.getLogger(GridStore.class);
    static final ObjectMapper JSON = new ObjectMapper();

    private final HazelcastInstance hz;
    private final Sealer clusterSealer;
    private final FileStoreAccess access;

    GridWriter(HazelcastInstance hz, Sealer clusterSealer, FileStoreAccess access) {
        this.hz = hz;
        this.clusterSealer = clusterSealer;
        this.access = access;
    }

    /** Writes the value when its revision is higher than the grid's (atomically on the owner); true when written. */
    boolean push(String kind, String key, long revision, String json) {
        String mapName = MapNames.of(kind);
        IMap<String, String> map = hz.getMap(mapName);
        return map.executeOnKey(key, new RevisionGuard(GridValue.encode(clusterSealer, mapName, key, revision, json,
                GridFormats.writable(hz))));
    }

    /** Grid first (so other nodes see it), then the local snapshot (so it survives a full restart). */
    void write(String kind, String key, long revision, Object record) throws StoreException {
        String json;
        try {
            json = record == null ? null : JSON.writeValueAsString(record);
        } catch (IOException e) {
            throw new StoreException("cannot encode " + kind + " " + key, e);
        }
        try {
            push(kind, key, revision, json);
        } catch (RuntimeException e) {
            throw new StoreException("the grid refused " + kind + " " + key + ": " + e.getMessage(), e);
        }
        access.apply(kind, key, revision, json);
    }

    /** Puts this node's valid copy back over a grid entry that did not open (a forged or tampered one). */
    void heal(String kind, String key) {
        long mine = access.revisionOf(kind, key);
        if (mine >= 0) {
            String mapName = MapNames.of(kind);
            hz.<String, String>getMap(mapName).put(key,
                    GridValue.encode(clusterSealer, mapName, key, mine, access.jsonOf(kind, key),
                            GridFormats.writable(hz)));
        }
    }

    /**
     * Rewrites an object sealed with a retired cluster key under the current one, at a new revision
     * (a certificate's private key is re-sealed too: its associated data binds the revision).
     */
    void reseal(String kind, String key, GridValue v) throws StoreException {
        long rev = access.nextRevision();
        if (v.tombstone()) {
            write(kind, key, rev, null);
            return;
        }
        try {
            write(kind, key, rev, resealed(RecordKinds.of(kind), v.json(), rev));
        } catch (IOException | SealException e) {
            log.warn("event=reseal_failed map={} key={} cause={}", MapNames.of(kind), key, e.toString());
        }
    }

    /** The record at revision {@code rev}, its secret (when its kind has one) opened and sealed again with the current key. */
    private <T> T resealed(RecordKind<T> kind, String json, long rev) throws IOException, SealException {
        ObjectNode n = (ObjectNode) JSON.readTree(json);
        n.put("revision", rev);
        T next = JSON.treeToValue(n, kind.type());
        RecordKind.Secret<T> secret = kind.secret();
        if (secret == null) {
            return next;
        }
        T old = JSON.readValue(json, kind.type());
        byte[] k = clusterSealer.open(secret.sealed(old), secret.aad(old));
        try {
            // sealed under the new record's associated data: a certificate's binds the revision
            SealedValue again = clusterSealer.seal(k, secret.aad(next));
            return secret.withSealed(next, again);
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }
}
