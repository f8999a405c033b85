/**
 * The appliance: the {@code gatehouse} command line ({@link dev.gatehouse.appliance.Main}) and its version.
 * Wires the data plane (tls-engine) and the shared state and HA (cluster) into a node; neither of those imports this.
 */
package dev.gatehouse.appliance;
