/**
 * The node's application log: its line format ({@code logging.format}: text or JSON lines) and
 * logger levels changed at runtime through the console ({@code /v1/log-levels}), per node.
 */
package dev.gatehouse.appliance.logging;
