package dev.gatehouse.tls.backend;

import dev.gatehouse.tls.transport.Transport;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolverGroup;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend side of the data plane: the routing table, the connection pools, the health checks
 * and the DNS resolver they share. {@link #setRouter} swaps the table for new requests at once and
 * then reconciles: servers that are gone are retired (their pooled connections close, their health
 * checks stop); servers carried over (see {@link RouterCarryOver}) keep everything.
 *
 * <p>Routing reads the table lock-free on the event loops; swaps are serialised by this object.
 */
public final class Backends implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Backends.class);

    private final Transport transport;
    private final AddressResolverGroup<InetSocketAddress> resolver;
    private final BackendConnector connector;
    private final AtomicReference<Router> router = new AtomicReference<>(Router.builder().build());
    /** Null until {@link #start}; guarded by this. */
    private HealthChecker healthChecker;

    /**
     * @param maxIdlePerServer most idle keep-alive connections per server and event loop
     */
    public Backends(Transport transport, DnsSettings dns, int connectTimeoutMillis, long idleTimeoutMillis,
            int maxHeaderSize, int maxIdlePerServer) {
        this.transport = transport;
        this.resolver = BackendResolver.create(transport, dns);
        this.connector = new BackendConnector(transport, resolver, connectTimeoutMillis, idleTimeoutMillis,
                maxHeaderSize, maxIdlePerServer);
    }

    /** Starts the health checks on {@code group} (the engine's event loops). */
    public synchronized void start(EventLoopGroup group) {
        healthChecker = new HealthChecker(group, transport, resolver);
        healthChecker.watch(router.get().pools());
    }

    /** Replaces the routing table; new requests use it at once. */
    public synchronized void setRouter(Router next) {
        Router previous = router.getAndSet(java.util.Objects.requireNonNull(next, "router"));
        Set<BackendServer> gone = previous.servers();
        gone.removeAll(next.servers());
        gone.forEach(BackendServer::retire);
        connector.retire(gone);
        if (healthChecker != null) {
            healthChecker.watch(next.pools());
        }
        if (!gone.isEmpty()) {
            log.info("event=backends_retired servers={} kept={}", gone, next.servers().size());
        }
    }

    public Router router() {
        return router.get();
    }

    public BackendConnector connector() {
        return connector;
    }

    /** The health checker, or null before {@link #start} (for tests). */
    synchronized HealthChecker healthChecker() {
        return healthChecker;
    }

    /** Stops the health checks and the resolvers; call before the event loops shut down. */
    @Override
    public synchronized void close() {
        if (healthChecker != null) {
            healthChecker.close();
        }
        resolver.close();
    }
}
