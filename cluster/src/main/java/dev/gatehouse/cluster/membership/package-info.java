/**
 * JGroups membership: an encrypted, authenticated view of the nodes with fast failure detection; the view
 * alone decides VIP ownership.
 */
package dev.gatehouse.cluster.membership;
