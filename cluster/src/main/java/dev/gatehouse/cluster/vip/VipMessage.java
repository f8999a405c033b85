package dev.gatehouse.cluster.vip;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The messages VIP managers broadcast to each other over the JGroups channel, as JSON.
 *
 * <p>Wire format (version 1, the format of every release so far; a rolling upgrade runs release N
 * next to N-1, so both directions must keep working):
 * <pre>
 * {"t":"health","v":1,"view":"a|1","healthy":true,"held":["198.18.0.100"],"since":1796136813784}
 * {"t":"health","v":1,"view":"a|1","healthy":false,"held":["198.18.0.100"],"drained":["198.18.0.100"]}
 * {"t":"plan","v":1,"view":"a|1","seq":1,"owners":{"198.18.0.100":"a"}}
 * </pre>
 * {@code t} names the type; {@code since} (epoch milliseconds) is present only when healthy;
 * {@code drained} (added after the first release, absent when empty) lists held VIPs whose
 * connections are drained for a planned hand-over. A release without it claims at once, as before;
 * one with it, beside a sender without it, waits for the sender's release, at most three seconds. The
 * {@code v} field was added with these records: releases before it neither write it (a message
 * without it is version 1) nor read it (they read fields by name and ignore the rest). So the rules
 * for a change are those of every field here: add fields, never rename or retype one; a reader
 * ignores fields it does not know; raise {@code v} only for a change a reader must notice.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "t")
@JsonSubTypes({
        @JsonSubTypes.Type(value = VipMessage.HealthReport.class, name = "health"),
        @JsonSubTypes.Type(value = VipMessage.PlanBroadcast.class, name = "plan")})
sealed interface VipMessage {

    /** The version this release writes. */
    int VERSION = 1;

    ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_INVALID_SUBTYPE, false);

    /** The format version the sender wrote (1 when it wrote none). */
    int v();

    /**
     * A member's health and the VIPs it holds, sent on every change of either, every view change and
     * every announce interval.
     *
     * @param view    the view the sender was in when it sent this (a report from another view does
     *                not confirm a hand-over)
     * @param healthy whether the sender may own VIPs
     * @param held    the VIPs the sender answers for
     * @param since   when it became healthy (epoch ms); null when unhealthy
     * @param drained those of {@code held} drained for a hand-over: the new owner may claim them now
     */
    @JsonPropertyOrder({"v", "view", "healthy", "held", "since", "drained"})
    record HealthReport(int v, String view, boolean healthy, List<String> held,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Long since,
                        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> drained) implements VipMessage {

        public HealthReport {
            v = v == 0 ? 1 : v;
            view = Objects.requireNonNullElse(view, "");
            held = held == null ? List.of() : List.copyOf(held);
            drained = drained == null ? List.of() : List.copyOf(drained);
        }

        /** A report with nothing drained (what the previous release sent). */
        HealthReport(int v, String view, boolean healthy, List<String> held, Long since) {
            this(v, view, healthy, held, since, List.of());
        }

        static HealthReport of(String view, Health health, List<String> held) {
            return of(view, health, held, List.of());
        }

        static HealthReport of(String view, Health health, List<String> held, List<String> drained) {
            return new HealthReport(VERSION, view, health.healthy(), held,
                    health.healthy() ? health.healthySince().toEpochMilli() : null, drained);
        }

        /** The held VIPs still serving connections here (not drained). */
        java.util.Set<String> serving() {
            java.util.Set<String> out = new java.util.LinkedHashSet<>(held);
            drained.forEach(out::remove);
            return out;
        }
    }

    /**
     * The coordinator's plan: the owner of every VIP. Followers adopt the latest one from the
     * coordinator of their view.
     *
     * @param view   the coordinator's view when it sent this (for logs; receivers check the sender)
     * @param seq    the plan's number, counting from the first plan of the coordinator that made it
     * @param owners VIP address to owner node name
     */
    @JsonPropertyOrder({"v", "view", "seq", "owners"})
    record PlanBroadcast(int v, String view, long seq, Map<String, String> owners) implements VipMessage {

        public PlanBroadcast {
            v = v == 0 ? 1 : v;
            view = Objects.requireNonNullElse(view, "");
            owners = owners == null ? Map.of() : Map.copyOf(owners);
        }

        static PlanBroadcast of(String view, long seq, Map<String, String> owners) {
            return new PlanBroadcast(VERSION, view, seq, owners);
        }
    }

    /** The JSON bytes of {@code message}. */
    static byte[] write(VipMessage message) {
        try {
            return JSON.writerFor(VipMessage.class).writeValueAsBytes(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // records of strings and numbers always serialise
        }
    }

    /**
     * The message in {@code payload}; null for a type this release does not know (a newer release may
     * send one).
     *
     * @throws IOException when the payload is not JSON or not the shape of its type
     */
    static VipMessage read(byte[] payload) throws IOException {
        return JSON.readValue(payload, VipMessage.class);
    }
}
