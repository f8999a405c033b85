package dev.gatehouse.cluster.store;

import java.util.Map;
import java.util.Objects;

/**
 * One lifecycle event (a domain verified, a certificate issued, a node left...), kept in the store
 * so that it replicates like every other object and survives restarts. Events are never changed
 * after they are written; the delivery lease holder deletes the oldest past the retention bounds.
 *
 * @param id       {@code evt_} + 16 hex: the idempotency id receivers dedup by (store key)
 * @param seq      cluster-wide sequence number, the cursor order (allocated before the write, so a
 *                 reader may briefly see a hole where a concurrent write has not arrived yet)
 * @param type     e.g. {@code domain.verified}
 * @param tenant   the tenant the event concerns; null for cluster facts (admin tokens only)
 * @param subject  what it is about: a name, a certificate id, a node, a VIP
 * @param data     a few details (strings, numbers); never key material
 * @param node     the node that wrote it
 * @param at       epoch milliseconds
 * @param revision write revision
 */
public record EventRecord(String id, long seq, String type, String tenant, String subject, Map<String, Object> data,
        String node, long at, long revision) {

    public EventRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        data = data == null ? Map.of() : Map.copyOf(data);
    }
}
