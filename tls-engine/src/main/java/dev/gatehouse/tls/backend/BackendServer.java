package dev.gatehouse.tls.backend;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server of a {@link BackendPool} and its health. Active checks flip {@link #healthy()} after
 * {@code rise} successes or {@code fall} failures in a row; a failed connection from the proxy
 * ejects the server at once for the pool's ejection time (passive check).
 *
 * <p>Its identity is its pool and {@code host:port}: a router rebuilt while the server stays in its
 * pool carries this object over (see {@link RouterCarryOver}), with its health, ejection and pooled
 * connections. A server left out of the new router is {@linkplain #retired() retired}: its pooled
 * connections close and connections still busy close when their exchange ends.
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
    /** Written by the health checker (under this object's lock) and the proxy (passive ejection). */
    private volatile long stateSinceMillis = System.currentTimeMillis();
    private volatile long lastCheckMillis;
    private volatile String lastError;
    // cheap counters for the metrics (read at scrape time, bumped on the event loops)
    private final java.util.concurrent.atomic.LongAdder connectErrors = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder ejections = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder connectionsOpened = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder connectionsReused = new java.util.concurrent.atomic.LongAdder();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger idleConnections = new AtomicInteger();
    /** Set once, by the router swap, when this server is no longer in any pool. */
    private volatile boolean retired;

    public BackendServer(String host, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
        this.host = host;
        this.port = port;
        this.address = literalOrUnresolved(host, port);
        this.label = host + ":" + port;
    }

    /**
     * An IP literal becomes a resolved address at once (no DNS); a name stays unresolved, for the
     * connector's asynchronous resolver. Never the JDK resolver: this may run on an event loop.
     */
    private static InetSocketAddress literalOrUnresolved(String host, int port) {
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
        if (ip == null) {
            return InetSocketAddress.createUnresolved(host, port);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(host, ip), port); // no lookup for a literal
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("host: '" + host + "' (expected: an IP address or a DNS name)", e);
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /**
     * Where to connect: resolved for an IP literal, otherwise unresolved (the connector resolves it
     * asynchronously, honouring the record's TTL).
     */
    public InetSocketAddress address() {
        return address;
    }

    /** True when the host is a name that needs DNS (not an IP literal). */
    public boolean needsDns() {
        return address.isUnresolved();
    }

    /** True once this server left the routing table; its connections are not pooled any more. */
    public boolean retired() {
        return retired;
    }

    void retire() {
        retired = true;
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
        lastError = "connection refused or failed; ejected for " + nanos / 1_000_000 + "ms";
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

    /**
     * This server's health as an operator reads it: up or down, since when (the last change of the
     * active check state, or when this node started using the server), the last check and the last
     * error seen by a check or the proxy (kept after recovery, so a flapping server is visible).
     *
     * @param up        {@link #healthy()} now
     * @param since     when the active check state last changed
     * @param lastCheck when the last active check ended, or null when none ran
     * @param lastError the last failure, or null when none was seen
     * @param ejected   true when a passive ejection is in force
     */
    public record Health(boolean up, java.time.Instant since, java.time.Instant lastCheck, String lastError,
            boolean ejected) {
    }

    public Health health() {
        long check = lastCheckMillis;
        return new Health(healthy(), java.time.Instant.ofEpochMilli(stateSinceMillis),
                check == 0 ? null : java.time.Instant.ofEpochMilli(check), lastError,
                System.nanoTime() - ejectedUntilNanos < 0);
    }

    /** The pool no longer has an active check: only passive ejection decides from now on. */
    synchronized void activeCheckRemoved() {
        successesInRow = 0;
        failuresInRow = 0;
        if (!activeHealthy) {
            activeHealthy = true;
            stateSinceMillis = System.currentTimeMillis();
        }
    }

    /**
     * Records an active check result; returns true when the health state changed. {@code why}: the
     * failure (remembered as the last error), null on success.
     */
    synchronized boolean recordCheck(boolean ok, int rise, int fall, String why) {
        boolean before = activeHealthy;
        lastCheckMillis = System.currentTimeMillis();
        if (!ok) {
            lastError = why;
        }
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
        if (before != activeHealthy) {
            stateSinceMillis = lastCheckMillis;
        }
        return before != activeHealthy;
    }

    @Override
    public String toString() {
        return label;
    }
}
