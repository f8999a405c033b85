/**
 * What the data plane reports of each request and handshake, for the access log and the metrics:
 * plain records and one observer interface, so the engine knows nothing of files or registries.
 */
package dev.gatehouse.tls.observe;
