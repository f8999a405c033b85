package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.policy.PolicyIndex;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What every proxy handler ({@link ProxyHandler}, {@link Http2ProxyHandler}) shares: the current router (swapped atomically when routes
 * change), the backend connector, the settings, the counters, the number of exchanges in flight
 * (graceful shutdown waits for it to reach zero), the observer told of every finished request and
 * the hostname policies.
 */
public record ProxyServices(Supplier<Router> router, BackendConnector connector, ProxySettings settings,
        EdgeMetrics metrics, AtomicInteger inflight, RequestObserver observer, PolicyIndex policies) {

    public ProxyServices {
        Objects.requireNonNull(observer, "observer");
        Objects.requireNonNull(policies, "policies");
    }

    /** Without hostname policies. */
    public ProxyServices(Supplier<Router> router, BackendConnector connector, ProxySettings settings,
            EdgeMetrics metrics, AtomicInteger inflight, RequestObserver observer) {
        this(router, connector, settings, metrics, inflight, observer, new PolicyIndex());
    }

    /** Without an observer ({@link RequestObserver#NONE}) or policies. */
    public ProxyServices(Supplier<Router> router, BackendConnector connector, ProxySettings settings,
            EdgeMetrics metrics, AtomicInteger inflight) {
        this(router, connector, settings, metrics, inflight, RequestObserver.NONE);
    }
}
