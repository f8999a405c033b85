/**
 * Backends: pools of servers, routing by host, connections pooled per event loop, health checks, passive
 * ejection, asynchronous DNS, and router rebuilds that keep each server's state.
 */
package dev.gatehouse.tls.backend;
