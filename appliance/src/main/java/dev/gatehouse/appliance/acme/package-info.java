/**
 * Certificates by ACME (acme4j): orders, HTTP-01 challenges shared through the store, renewals run by
 * the one node holding the scheduler lease, on-demand issuance requested from the handshake path without a lock.
 */
package dev.gatehouse.appliance.acme;
