/**
 * Port 80: answers ACME HTTP-01 challenges from a challenge store and redirects everything else to HTTPS
 * (or serves the monitor path).
 */
package dev.gatehouse.tls.acme;
