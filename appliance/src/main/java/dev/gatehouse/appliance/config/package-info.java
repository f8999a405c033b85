/**
 * The configuration file {@code gatehouse.yaml}: read, validated (every problem with its path, value and
 * what was expected) and turned into immutable records; {@code gatehouse check-config} runs the same code.
 *
 * <p>{@link dev.gatehouse.appliance.config.ConfigBinder} binds the whole file with Jackson into
 * {@code ConfigFile}: each section's record carries its fields, defaults and bounds ({@code Bind}
 * annotations), in one place. A section whose validated form is the same record (console, tls, proxy,
 * claims, store, logging, accessLog, events, policy, ocsp, node, routes) has it in {@code GatehouseConfig};
 * the others (listeners, pools, cluster, acme, metrics, dns) have an as-written record in {@code ConfigFile}.
 * Each {@code *Section} class then keeps only what is ours: parsing addresses, networks and names, and
 * the rules that span fields. A new section: a record with annotated components, a component of
 * {@code ConfigFile}, and a section class if it has such rules.
 */
package dev.gatehouse.appliance.config;
