/**
 * Leases: at most one holder of a named duty in the cluster at a time (the ACME scheduler, webhook
 * delivery), over the grid or locally for a lone node.
 */
package dev.gatehouse.cluster.lease;
