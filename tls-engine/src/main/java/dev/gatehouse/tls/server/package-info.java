/**
 * The data-plane listeners: the HTTPS pipeline (PROXY protocol, SNI, TLS, ALPN to HTTP/1.1 or HTTP/2) and
 * the plain-HTTP one, their configuration and lifecycle.
 */
package dev.gatehouse.tls.server;
