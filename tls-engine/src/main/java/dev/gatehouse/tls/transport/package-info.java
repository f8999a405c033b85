/**
 * The network transport: epoll when its native library loads (x86-64 and arm64), NIO otherwise.
 */
package dev.gatehouse.tls.transport;
