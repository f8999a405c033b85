/**
 * The store: records by kind with hybrid-clock revisions, the local durable snapshot (one file per record,
 * tombstones, sync state), and AES-256-GCM sealing of private keys.
 */
package dev.gatehouse.cluster.store;
