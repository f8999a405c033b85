/**
 * One node's lifecycle: its parts (keys, store, observers, engine, cluster, events, HA, listeners,
 * services, ACME, console, metrics, webhooks, OCSP), each wired in its own {@code *Part} class, started
 * in order and closed in reverse by one {@link dev.gatehouse.appliance.node.Lifecycle}
 * ({@link dev.gatehouse.appliance.node.Node} lists them).
 */
package dev.gatehouse.appliance.node;
