/**
 * The engine's own counters (lock-free, named, bounded); the appliance exports them to Prometheus.
 */
package dev.gatehouse.tls.metrics;
