package dev.gatehouse.tls.backend;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server of a {@link BackendPool} and its health. Active checks flip {@link #healthy()} after
 * {@code rise} successes or {@code fall} failures in a row; a failed connection from the proxy
 * ejects the server at once for the pool's ejection time (passive check).
 */
public final class BackendServer {

    private final String host;
    private final int port;
    private final InetSocketAddress address;
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile boolean activeHealthy = true;
    private volatile long ejectedUntilNanos;
    private int successesInRow;
    private int failuresInRow;
    // cheap counters for the metrics (read at scrape time, bumped on the event loops)
    private final java.util.concurrent.atomic.LongAdder connectErrors = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder ejections = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder connectionsOpened = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder connectionsReused = new java.util.concurrent.atomic.LongAdder();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger idleConnections = new AtomicInteger();

    public BackendServer(String host, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
        this.host = host;
        this.port = port;
        this.address = InetSocketAddress.createUnresolved(host, port);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The unresolved address; Netty resolves it when connecting. */
    public InetSocketAddress address() {
        return address;
    }

    /** True when active checks pass and no passive ejection is in force. */
    public boolean healthy() {
        return activeHealthy && System.nanoTime() - ejectedUntilNanos >= 0;
    }

    public int outstanding() {
        return outstanding.get();
    }

    public void requestStarted() {
        outstanding.incrementAndGet();
    }

    public void requestEnded() {
        outstanding.decrementAndGet();
    }

    /** Passive ejection after a failed connection attempt. */
    void eject(long nanos) {
        ejections.increment();
        ejectedUntilNanos = System.nanoTime() + nanos;
    }

    void connectFailed() {
        connectErrors.increment();
    }

    void connectionOpened() {
        connectionsOpened.increment();
        openConnections.incrementAndGet();
    }

    void connectionClosed() {
        openConnections.decrementAndGet();
    }

    void connectionReused() {
        connectionsReused.increment();
    }

    void idleChanged(int delta) {
        idleConnections.addAndGet(delta);
    }

    /** Connection attempts to this server that failed (since this server object was created). */
    public long connectErrors() {
        return connectErrors.sum();
    }

    /** Passive ejections after a failed connection. */
    public long ejections() {
        return ejections.sum();
    }

    /** Backend connections opened. */
    public long connectionsOpened() {
        return connectionsOpened.sum();
    }

    /** Requests sent on a pooled keep-alive connection instead of a new one. */
    public long connectionsReused() {
        return connectionsReused.sum();
    }

    /** Backend connections open now (busy and idle). */
    public int openConnections() {
        return openConnections.get();
    }

    /** Open connections parked in the keep-alive pools now. */
    public int idleConnections() {
        return idleConnections.get();
    }

    /** Records an active check result; returns true when the health state changed. */
    synchronized boolean recordCheck(boolean ok, int rise, int fall) {
        boolean before = activeHealthy;
        if (ok) {
            failuresInRow = 0;
            successesInRow++;
            if (!activeHealthy && successesInRow >= rise) {
                activeHealthy = true;
            }
            ejectedUntilNanos = System.nanoTime(); // a passing check lifts a passive ejection
        } else {
            successesInRow = 0;
            failuresInRow++;
            if (activeHealthy && failuresInRow >= fall) {
                activeHealthy = false;
            }
        }
        return before != activeHealthy;
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
