package dev.gatehouse.cluster.vip;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's own health, on the ticker thread: runs the {@link HealthCheck} every
 * {@code healthInterval} and reports the node healthy only after the check has passed for
 * {@code settle} without interruption (so a flapping node never receives VIPs), unhealthy at the
 * first failure. On every change it hands {@code onChange} to the controller, which broadcasts it
 * and, on the coordinator, replans.
 *
 * <p>Threads: only the ticker thread writes {@link #passingSince}, {@link #problem} and
 * {@link #reported}; the last two are read by the controller (planning) and by status.
 */
final class HealthReporter {

    private static final Logger log = LoggerFactory.getLogger(HealthReporter.class);

    private final VipSettings settings;
    private final HealthCheck check;
    private final Clock clock;
    private final ThreadOwner owner;

    private Instant passingSince;
    private volatile String problem = "starting";
    private volatile Health reported = Health.unhealthy();

    HealthReporter(VipSettings settings, HealthCheck check, Clock clock, ThreadOwner owner) {
        this.settings = settings;
        this.check = check;
        this.clock = clock;
        this.owner = owner;
    }

    /** Checks now and every {@code healthInterval} on {@code ticker}; {@code onChange} runs on a change. */
    void start(ScheduledExecutorService ticker, Runnable onChange) {
        long h = settings.healthInterval().toMillis();
        ticker.scheduleWithFixedDelay(() -> checkOnce(onChange), 0, h, TimeUnit.MILLISECONDS);
    }

    /** The health last reported (unhealthy until the first settled pass). */
    Health reported() {
        return reported;
    }

    /** Why this node is not healthy, or null. */
    String problem() {
        return problem;
    }

    private void checkOnce(Runnable onChange) {
        assert owner.isCurrent() : owner.violation();
        String p;
        try {
            p = check.problem();
        } catch (RuntimeException e) {
            p = "health check failed: " + e;
        }
        Instant now = clock.instant();
        Health next;
        if (p != null) {
            passingSince = null;
            next = Health.unhealthy();
        } else {
            if (passingSince == null) {
                passingSince = now;
            }
            boolean settled = !passingSince.plus(settings.settle()).isAfter(now);
            next = settled ? Health.healthySince(passingSince.plus(settings.settle())) : Health.unhealthy();
            if (!settled) {
                p = "settling (checks pass since " + passingSince + ")";
            }
        }
        problem = p;
        if (next.healthy() != reported.healthy()) {
            reported = next;
            log.info("event=vip_health node={} healthy={} problem=\"{}\"", settings.nodeName(), next.healthy(),
                    p == null ? "" : p);
            onChange.run();
        }
    }
}
