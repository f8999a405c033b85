/**
 * Who the client is: PROXY protocol v1/v2 accepted only from trusted networks, CIDR matching, and the one
 * place the client address of a connection is read ({@link dev.gatehouse.tls.net.ClientAddress}).
 */
package dev.gatehouse.tls.net;
