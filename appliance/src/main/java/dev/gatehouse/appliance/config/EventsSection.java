package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks the {@code events:} section once bound: how many lifecycle events the cluster keeps and for
 * how long, and how webhooks are delivered (lease, timeout, retry backoff).
 */
final class EventsSection {

    private EventsSection() {
    }

    static GatehouseConfig.Events read(ConfigReader r, GatehouseConfig.Events e, JsonNode raw) {
        if (e.deliveryLeaseTtl().compareTo(e.deliveryTimeout().plus(e.deliveryInterval()).multipliedBy(2)) < 0) {
            r.problem("events.deliveryLeaseTtl", raw.path("deliveryLeaseTtl"), ">= 2 x (deliveryTimeout "
                    + ConfigReader.human(e.deliveryTimeout()) + " + deliveryInterval "
                    + ConfigReader.human(e.deliveryInterval())
                    + ") (a POST must end before the lease can pass to another node)");
        }
        if (e.retryMax().compareTo(e.retryMin()) < 0) {
            r.problem("events.retryMax", raw.path("retryMax"),
                    ">= events.retryMin " + ConfigReader.human(e.retryMin()));
        }
        return e;
    }
}
