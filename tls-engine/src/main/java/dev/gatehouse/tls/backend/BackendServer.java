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
    /** {@code host:port}, built once: the access log and metrics name the server per request. */
    private final String label;
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile boolean activeHealthy = true;
    private volatile long ejectedUntilNanos;
    private int successesInRow;
    private int failuresInRow;

    public BackendServer(String host, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
        this.host = host;
        this.port = port;
        this.address = InetSocketAddress.createUnresolved(host, port);
        this.label = host + ":" + port;
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
        ejectedUntilNanos = System.nanoTime() + nanos;
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
        return label;
    }
}
