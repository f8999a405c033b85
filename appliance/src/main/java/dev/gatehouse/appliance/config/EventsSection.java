package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Set;

/**
 * Reads and checks the {@code events:} section: how many lifecycle events the cluster keeps and for
 * how long, and how webhooks are delivered (lease, timeout, retry backoff).
 */
final class EventsSection {

    private static final String AT = "events";

    private EventsSection() {
    }

    static GatehouseConfig.Events read(ConfigReader r, JsonNode e) {
        r.onlyKnown(AT, e, Set.of("maxEvents", "maxAge", "deliveryLeaseTtl", "deliveryTimeout", "retryMin",
                "retryMax", "deliveryInterval", "allowPrivateTargets"));
        int maxEvents = r.integer(AT, e, "maxEvents", 10_000, 100, 1_000_000);
        Duration maxAge = r.duration(AT, e, "maxAge", Duration.ofDays(7), Duration.ofMinutes(1));
        Duration interval = r.duration(AT, e, "deliveryInterval", Duration.ofSeconds(1), Duration.ofMillis(100));
        Duration timeout = r.duration(AT, e, "deliveryTimeout", Duration.ofSeconds(10), Duration.ofMillis(100));
        Duration leaseTtl = r.duration(AT, e, "deliveryLeaseTtl", Duration.ofSeconds(30), Duration.ofSeconds(1));
        Duration retryMin = r.duration(AT, e, "retryMin", Duration.ofSeconds(5), Duration.ofMillis(100));
        Duration retryMax = r.duration(AT, e, "retryMax", Duration.ofHours(1), Duration.ofMillis(100));
        if (leaseTtl != null && timeout != null && interval != null
                && leaseTtl.compareTo(timeout.plus(interval).multipliedBy(2)) < 0) {
            r.problem("events.deliveryLeaseTtl", e == null ? null : e.get("deliveryLeaseTtl"), ">= 2 x (deliveryTimeout "
                    + ConfigReader.human(timeout) + " + deliveryInterval " + ConfigReader.human(interval)
                    + ") (a POST must end before the lease can pass to another node)");
        }
        if (retryMin != null && retryMax != null && retryMax.compareTo(retryMin) < 0) {
            r.problem("events.retryMax", e == null ? null : e.get("retryMax"), ">= events.retryMin "
                    + ConfigReader.human(retryMin));
        }
        boolean allowPrivate = r.bool(AT, e, "allowPrivateTargets", false);
        return new GatehouseConfig.Events(maxEvents, maxAge, interval, timeout, leaseTtl, retryMin, retryMax,
                allowPrivate);
    }
}
