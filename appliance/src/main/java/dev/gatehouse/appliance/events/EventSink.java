package dev.gatehouse.appliance.events;

import java.util.Map;

/**
 * Where services report lifecycle changes ({@link Events} in a node). Emitting never fails the change
 * that caused it: the change is already durable, a lost event is logged at WARN.
 */
public interface EventSink {

    /** Drops everything (services built without a node, e.g. in unit tests). */
    EventSink NONE = new EventSink() {
        @Override
        public void emit(String type, String tenant, String subject, Map<String, Object> data) {
        }

        @Override
        public void emitOnce(String onceKey, String type, String tenant, String subject, Map<String, Object> data) {
        }
    };

    /** Records an event of {@code type} for {@code tenant} (null: a cluster fact, admin tokens only). */
    void emit(String type, String tenant, String subject, Map<String, Object> data);

    /**
     * Records an event unless one with the same {@code onceKey} already exists: for facts that
     * several nodes (or successive lease holders) may notice, e.g. a certificate entering the
     * expiry window. The event id is derived from the key, so the store holds it once.
     */
    void emitOnce(String onceKey, String type, String tenant, String subject, Map<String, Object> data);
}
