package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What every {@link ProxyHandler} shares: the current router (swapped atomically when routes
 * change), the backend connector, the settings, the counters and the number of exchanges in flight
 * (graceful shutdown waits for it to reach zero).
 */
public record ProxyServices(Supplier<Router> router, BackendConnector connector, ProxySettings settings,
        EdgeMetrics metrics, AtomicInteger inflight) {
}
