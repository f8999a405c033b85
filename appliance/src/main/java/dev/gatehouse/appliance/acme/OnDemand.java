package dev.gatehouse.appliance.acme;

import dev.gatehouse.appliance.domains.ClaimIndex;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On-demand issuance (Caddy-style, {@code acme.onDemand}): a handshake for a name that is
 * verified but has no managed certificate yet asks for one. The handshake itself is refused (the
 * certificate arrives seconds later; clients retry). Scanners cannot trigger issuance: only names
 * a tenant proved in DNS qualify (a map lookup on the event loop, nothing else), each at most once
 * while its request is queued, and at most {@code acme.onDemandPerHour} new requests per node per
 * hour (a token bucket); the rest are counted ({@code acme.on_demand_rate_limited}) and dropped.
 */
public final class OnDemand implements Consumer<String> {

    private static final Logger log = LoggerFactory.getLogger(OnDemand.class);

    private final Store store;
    private final ClaimIndex claims;
    private final EdgeMetrics metrics;
    private final BiConsumer<String, Runnable> request;
    private final Clock clock;
    private final double perMilli;
    private final int capacity;
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private double tokens;
    private long refilledAt;

    /**
     * @param request called (on the event loop) with a qualifying name and what to run once the
     *                request was written or refused; must only enqueue
     */
    public OnDemand(Store store, ClaimIndex claims, int perHour, EdgeMetrics metrics, Clock clock,
            BiConsumer<String, Runnable> request) {
        this.store = store;
        this.claims = claims;
        this.metrics = metrics;
        this.request = request;
        this.clock = clock;
        this.capacity = perHour;
        this.perMilli = perHour / 3_600_000.0;
        this.tokens = perHour;
        this.refilledAt = clock.millis();
    }

    @Override
    public void accept(String name) {
        DomainRecord d = claims.verified(name).orElse(null);
        if (d == null || store.managedCertificate(name).isPresent()) {
            return;
        }
        if (!queued.add(name)) {
            return;
        }
        if (!take()) {
            queued.remove(name);
            metrics.increment("acme.on_demand_rate_limited");
            log.debug("event=acme_on_demand_rate_limited name={}", name);
            return;
        }
        metrics.increment("acme.on_demand_requested");
        request.accept(name, () -> queued.remove(name));
    }

    /** Names whose on-demand request is queued for the scheduler now. */
    public int queued() {
        return queued.size();
    }

    private synchronized boolean take() {
        long now = clock.millis();
        tokens = Math.min(capacity, tokens + (now - refilledAt) * perMilli);
        refilledAt = now;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
