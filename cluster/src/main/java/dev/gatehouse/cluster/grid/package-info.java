/**
 * The store shared over Hazelcast: sealed grid values, change events into the local snapshot, newer-wins
 * anti-entropy by revision, the tombstone horizon, split-brain merge and shared ticket keys.
 */
package dev.gatehouse.cluster.grid;
