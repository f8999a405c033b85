package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.Version;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.core.NodeLeases;
import dev.gatehouse.appliance.events.ClusterEvents;
import dev.gatehouse.appliance.events.EventSequence;
import dev.gatehouse.appliance.events.Events;
import dev.gatehouse.appliance.events.WebhookDelivery;
import dev.gatehouse.appliance.events.WebhookService;
import dev.gatehouse.cluster.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cluster's lifecycle events (through the store: the grid's once clustered), with cursors from
 * the grid's sequence when clustered; the reporter of cluster facts (membership, VIPs), started
 * before the membership so that its first view is reported; and the tenants' webhook
 * subscriptions. Delivery runs later, as the {@code webhooks} part ({@link #deliver}), once the
 * node serves. Closing stops the reporter.
 */
record EventsPart(GatehouseConfig config, Store store, Events events, ClusterEvents clusterEvents,
        WebhookService webhooks) implements AutoCloseable {

    static EventsPart start(GatehouseConfig config, ClusterPart cluster) {
        Store store = cluster.store();
        GatehouseConfig.Events ev = config.events();
        Clock clock = Clock.systemUTC();
        Events events = new Events(store, config.node().name(), clock, new Events.Settings(ev.maxEvents(),
                ev.maxAge(), Duration.ofSeconds(5), Math.max(1, config.console().workerThreads() / 2)));
        if (cluster.grid() != null) {
            events.useSequence(EventSequence.grid(cluster.grid(), events::highWater));
        }
        return new EventsPart(config, store, events, new ClusterEvents(events, config.node().name()),
                new WebhookService(store, events, clock, ev.allowPrivateTargets()));
    }

    /** Starts webhook delivery on the node holding the delivery lease; closing gives the lease up at once. */
    WebhookDelivery deliver(NodeLeases leases) {
        GatehouseConfig.Events ev = config.events();
        return new WebhookDelivery(store, events, leases,
                new WebhookDelivery.Settings(ev.deliveryInterval(), ev.deliveryLeaseTtl(), ev.deliveryTimeout(),
                        ev.retryMin(), ev.retryMax(), ev.allowPrivateTargets()),
                Clock.systemUTC(), "Gatehouse/" + Version.current()).start();
    }

    /** The status' {@code events} section; {@code delivery} null before it started. */
    Map<String, Object> status(WebhookDelivery delivery) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("cursor", String.valueOf(events.highWater()));
        ev.put("webhooks", webhooks.count());
        ev.put("deliveryHere", delivery != null && delivery.holdsLease());
        return ev;
    }

    @Override
    public void close() {
        clusterEvents.close();
    }
}
