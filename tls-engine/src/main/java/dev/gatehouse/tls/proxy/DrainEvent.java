package dev.gatehouse.tls.proxy;

/**
 * Fired down every frontend pipeline when the engine shuts down gracefully, and down those on one
 * address when it is drained for a planned VIP move: an idle HTTP/1.1 connection waits a short
 * grace for a request already on its way (answered with {@code Connection: close}) and closes, a
 * busy one closes after its current response ({@code Connection: close} when its head is still to
 * be written, else after the grace), HTTP/2 connections get the two-step GOAWAY and close when their
 * streams are done.
 */
public enum DrainEvent {
    INSTANCE
}
