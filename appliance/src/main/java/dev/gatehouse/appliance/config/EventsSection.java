package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * Reads and checks the {@code events:} section: how many lifecycle events the cluster keeps and for
 * how long, and how webhooks are delivered (lease, timeout, retry backoff).
 */
final class EventsSection {

    private static final String AT = "events";

    private EventsSection() {
    }

    static GatehouseConfig.Events read(ConfigReader r, JsonNode e) {
        GatehouseConfig.Events bound = ConfigBinder.bind(r, AT, e, GatehouseConfig.Events.class);
        Duration interval = bound.deliveryInterval();
        Duration timeout = bound.deliveryTimeout();
        Duration leaseTtl = bound.deliveryLeaseTtl();
        Duration retryMin = bound.retryMin();
        Duration retryMax = bound.retryMax();
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
        return bound;
    }
}
