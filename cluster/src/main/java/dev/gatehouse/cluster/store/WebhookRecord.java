package dev.gatehouse.cluster.store;

import java.util.List;
import java.util.Objects;

/**
 * A webhook subscription. Its delivery progress lives apart, in {@link WebhookDeliveryRecord}, so
 * that the delivering node never rewrites this record (a delivery write racing a delete on another
 * node would bring a deleted subscription back).
 *
 * @param id           {@code whk_} + 16 hex
 * @param tenant       whose events it receives; null: every event (created by an admin token)
 * @param url          where events are POSTed
 * @param types        event types it receives; empty: all
 * @param sealedSecret the HMAC secret, sealed with the store's key (associated data {@link #secretAad()})
 * @param startAfter   the cursor at creation: only later events are delivered
 * @param createdAt    epoch milliseconds
 * @param description  free text, may be null
 * @param revision     write revision
 * @param restricted   created by a tenant token: its target must not be a private address (unless the
 *                     operator allows private targets)
 */
public record WebhookRecord(String id, String tenant, String url, List<String> types, SealedValue sealedSecret,
        long startAfter, long createdAt, String description, long revision, boolean restricted) {

    public WebhookRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(sealedSecret, "sealedSecret");
        types = types == null ? List.of() : List.copyOf(types);
    }

    /** Associated data of the sealed secret: binds it to this webhook (a secret copied to another does not open). */
    public static String secretAad(String id) {
        return "webhook-secret:" + id;
    }

    public String secretAad() {
        return secretAad(id);
    }
}
