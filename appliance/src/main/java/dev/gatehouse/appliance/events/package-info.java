/**
 * Lifecycle events (a cluster-wide cursor over event records in the store) and their delivery to
 * webhook subscriptions, signed, retried, by the one node holding the delivery lease.
 */
package dev.gatehouse.appliance.events;
