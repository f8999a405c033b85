package dev.gatehouse.cluster.grid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.gatehouse.cluster.store.HybridClock;
import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.Sealer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS session ticket keys shared by the whole cluster, so a client that resumes on another node
 * (after a VIP moved) resumes instead of doing a full handshake. The oldest member generates and
 * rotates them; every node receives them sealed with the cluster key. Each key is 48 bytes (16 name,
 * 16 HMAC, 16 AES, RFC 5077 §4 layout); the first encrypts, the previous ones still decrypt for one
 * more rotation period.
 */
public final class TicketKeyShare implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TicketKeyShare.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "current";
    private static final int KEEP = 2;

    private final HazelcastInstance hz;
    private final Sealer sealer;
    private final Duration rotation;
    private final Consumer<List<byte[]>> apply;
    private final HybridClock clock = new HybridClock();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gatehouse-ticket-keys");
        t.setDaemon(true);
        return t;
    });

    /** @param apply called with the current keys (encrypting key first) on start and on every change */
    public TicketKeyShare(HazelcastInstance hz, Sealer sealer, Duration rotation, Consumer<List<byte[]>> apply) {
        this.hz = hz;
        this.sealer = sealer;
        this.rotation = rotation;
        this.apply = apply;
    }

    public TicketKeyShare start() {
        IMap<String, String> map = hz.getMap(MapNames.TICKET_KEYS);
        map.addEntryListener(new Listener(), KEY, true);
        rotateIfDue();
        String current = map.get(KEY);
        if (current != null) {
            deliver(current);
        }
        long every = Math.max(1000, Math.min(rotation.toMillis() / 4, Duration.ofMinutes(10).toMillis()));
        timer.scheduleWithFixedDelay(this::rotateIfDue, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The oldest member creates the first keys and rotates them when they are due. */
    private void rotateIfDue() {
        try {
            if (!hz.getCluster().getMembers().iterator().next().localMember()) {
                return;
            }
            IMap<String, String> map = hz.getMap(MapNames.TICKET_KEYS);
            String current = map.get(KEY);
            List<String> keys = new ArrayList<>();
            long rotatedAt = 0;
            if (current != null) {
                GridValue v = GridValue.decode(sealer, MapNames.TICKET_KEYS, KEY, current);
                JsonNode n = JSON.readTree(v.json());
                rotatedAt = n.get("rotatedAt").asLong();
                n.get("keys").forEach(k -> keys.add(k.asText()));
            }
            if (current != null && System.currentTimeMillis() - rotatedAt < rotation.toMillis()) {
                return;
            }
            byte[] fresh = new byte[48];
            new SecureRandom().nextBytes(fresh);
            keys.add(0, Base64.getEncoder().encodeToString(fresh));
            while (keys.size() > KEEP) {
                keys.remove(keys.size() - 1);
            }
            ObjectNode doc = JSON.createObjectNode();
            doc.put("rotatedAt", System.currentTimeMillis());
            ArrayNode arr = doc.putArray("keys");
            keys.forEach(arr::add);
            clock.observe(GridValue.revisionOf(current));
            map.executeOnKey(KEY, new RevisionGuard(GridValue.encode(sealer, MapNames.TICKET_KEYS, KEY, clock.next(),
                    JSON.writeValueAsString(doc))));
            log.info("event=ticket_keys_rotated keys={}", keys.size());
        } catch (SealException e) {
            log.error("event=ticket_keys_rejected reason={}", e.getMessage());
        } catch (Exception e) {
            log.warn("event=ticket_key_rotation_failed cause={}", e.toString());
        }
    }

    private void deliver(String encoded) {
        try {
            GridValue v = GridValue.decode(sealer, MapNames.TICKET_KEYS, KEY, encoded);
            List<byte[]> keys = new ArrayList<>();
            JSON.readTree(v.json()).get("keys").forEach(k -> keys.add(Base64.getDecoder().decode(k.asText())));
            apply.accept(keys);
        } catch (SealException e) {
            log.error("event=ticket_keys_rejected reason={}", e.getMessage());
        } catch (Exception e) {
            log.error("event=ticket_keys_unreadable cause={}", e.toString());
        }
    }

    private final class Listener implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
            EntryMergedListener<String, String> {
        @Override
        public void entryAdded(EntryEvent<String, String> e) {
            timer.execute(() -> deliver(e.getValue()));
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> e) {
            timer.execute(() -> deliver(e.getValue()));
        }

        @Override
        public void entryMerged(EntryEvent<String, String> e) {
            timer.execute(() -> deliver(e.getValue()));
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
