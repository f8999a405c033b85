package dev.gatehouse.cluster.store;

/** A Host pattern routed to a pool, managed through the API. */
public record RouteRecord(String host, String pool, long revision) {
}
