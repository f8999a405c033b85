package dev.gatehouse.cluster.vip;

import dev.gatehouse.cluster.DaemonThreads;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Optional step-down on isolation: pings a configured gateway (ICMP echo when the process may
 * open a raw socket, as the appliance's CAP_NET_RAW allows; TCP port 7 otherwise) once per
 * {@code interval}; after {@code misses} consecutive failures the node reports itself unhealthy
 * and gives its VIPs away. A node cut off from its network then stops claiming VIPs the rest of
 * the cluster is serving, which limits split-brain to the moments before the misses add up.
 */
public final class GatewayCheck implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GatewayCheck.class);

    private final InetAddress gateway;
    private final int misses;
    private final Duration timeout;
    private final ScheduledExecutorService executor;
    private volatile int failed;

    private GatewayCheck(InetAddress gateway, Duration interval, Duration timeout, int misses) {
        this.gateway = gateway;
        this.timeout = timeout;
        this.misses = misses;
        this.executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("gatehouse-gateway-check"));
        executor.scheduleWithFixedDelay(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts probing {@code gateway} every {@code interval}; unhealthy after {@code misses} failures in a row. */
    public static GatewayCheck start(InetAddress gateway, Duration interval, Duration timeout, int misses) {
        if (misses < 1) {
            throw new IllegalArgumentException("misses: " + misses + " (expected: >= 1)");
        }
        return new GatewayCheck(gateway, interval, timeout, misses);
    }

    private void probe() {
        boolean ok;
        try {
            ok = gateway.isReachable((int) timeout.toMillis());
        } catch (IOException e) {
            ok = false;
        }
        int before = failed;
        failed = ok ? 0 : before + 1;
        if (!ok && failed == misses) {
            log.warn("event=gateway_unreachable gateway={} misses={} (giving VIPs away)", gateway.getHostAddress(), misses);
        } else if (ok && before >= misses) {
            log.info("event=gateway_reachable gateway={}", gateway.getHostAddress());
        }
    }

    /** Why this node should not own VIPs, or null. */
    public String problem() {
        int f = failed;
        return f >= misses ? "gateway " + gateway.getHostAddress() + " unreachable (" + f + " checks in a row)" : null;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
