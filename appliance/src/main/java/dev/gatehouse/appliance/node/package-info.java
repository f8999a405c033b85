/**
 * One node's lifecycle: keys, the data-directory lock, the store and its sync into the engine, cluster,
 * HA, ACME, console and metrics, started in order and closed in reverse ({@link dev.gatehouse.appliance.node.Node}).
 */
package dev.gatehouse.appliance.node;
