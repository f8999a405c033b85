/**
 * Certificate bundles: PEM chains and keys parsed and checked (key matches, chain order, validity, names),
 * and certificate directories loaded at start.
 */
package dev.gatehouse.tls.cert;
