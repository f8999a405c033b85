/**
 * Backup and restore of a node's store: one file, sealed as a whole under the node's sealing key with its
 * header bound, restored newer-wins as replication applies changes (see docs/operations.md).
 */
package dev.gatehouse.appliance.backup;
