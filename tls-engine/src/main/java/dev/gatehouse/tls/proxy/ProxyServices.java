package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.observe.RequestObserver;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What every {@link ProxyHandler} shares: the current router (swapped atomically when routes
 * change), the backend connector, the settings, the counters, the number of exchanges in flight
 * (graceful shutdown waits for it to reach zero) and the observer told of every finished request.
 */
public record ProxyServices(Supplier<Router> router, BackendConnector connector, ProxySettings settings,
        EdgeMetrics metrics, AtomicInteger inflight, RequestObserver observer) {

    public ProxyServices {
        Objects.requireNonNull(observer, "observer");
    }

    /** Without an observer ({@link RequestObserver#NONE}). */
    public ProxyServices(Supplier<Router> router, BackendConnector connector, ProxySettings settings,
            EdgeMetrics metrics, AtomicInteger inflight) {
        this(router, connector, settings, metrics, inflight, RequestObserver.NONE);
    }
}
