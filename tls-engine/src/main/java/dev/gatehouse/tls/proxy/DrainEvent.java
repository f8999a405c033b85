package dev.gatehouse.tls.proxy;

/**
 * Fired down every frontend pipeline when the engine shuts down gracefully: idle HTTP/1.1
 * connections close now, busy ones close after their current response, HTTP/2 connections get
 * GOAWAY.
 */
public enum DrainEvent {
    INSTANCE
}
