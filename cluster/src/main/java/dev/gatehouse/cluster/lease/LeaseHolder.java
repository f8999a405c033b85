package dev.gatehouse.cluster.lease;

import dev.gatehouse.cluster.DaemonThreads;
import dev.gatehouse.cluster.store.StoreException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A duty that exactly one node of the cluster performs: one daemon thread that runs the duty's
 * ticks, and the lease that says whether this node is the one. The duty calls {@link #extend()}
 * at the start of every tick and again before each unit of work, so it stops within one unit once
 * another node has taken over; a holder that dies stops extending, and a successor takes the lease
 * after its TTL. {@link #close()} stops the thread first and then gives the lease up, so a successor
 * need not wait for the TTL after an orderly shutdown.
 *
 * <p>Shared by the ACME scheduler, webhook delivery and the OCSP fetcher, which differ only in
 * what a tick does. Log lines keep each duty's names: {@code event=<duty>_lease node=... held=...}
 * when holding changes, {@code <duty>_lease_error} when the lease store fails (counted as not held),
 * {@code <duty>_lease_release_failed} at close.
 *
 * <p>Threads: {@link #extend()} is called on the duty thread only, which is the one writer of the
 * held flag; {@link #held()} may be read from any thread.
 */
public final class LeaseHolder implements AutoCloseable {

    /** What a duty does in a tick while it holds the lease; it reads and writes the store. */
    @FunctionalInterface
    public interface Work {
        void run() throws StoreException;
    }

    /** This node's claim on one named lease: whom to ask, which lease, as whom, for how long. */
    private record Claim(Leases leases, String name, String owner, Duration ttl) {

        boolean take() {
            return leases.tryAcquire(name, owner, ttl);
        }

        void release() {
            leases.release(name, owner);
        }

        Optional<String> holder() {
            return leases.holder(name).map(Leases.Holder::owner);
        }
    }

    private final Claim claim;
    private final String duty;
    private final Logger log;
    private final ScheduledExecutorService thread;
    /** Written by the duty thread only. */
    private volatile boolean held;

    /**
     * @param name       the lease's name in the cluster
     * @param owner      this node's name
     * @param ttl        how long the lease lasts without being extended (longer than a tick plus one unit of work)
     * @param duty       the prefix of the log events, e.g. {@code acme}
     * @param threadName the name of the duty's daemon thread
     * @param log        the duty's logger (log lines keep its category)
     */
    public LeaseHolder(Leases leases, String name, String owner, Duration ttl, String duty, String threadName,
            Logger log) {
        this.claim = new Claim(leases, name, owner, ttl);
        this.duty = duty;
        this.log = log;
        this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(threadName));
    }

    /** Runs {@code tick} on the duty thread now and then {@code interval} after each run ends. */
    public void start(Duration interval, Runnable tick) {
        thread.scheduleWithFixedDelay(tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} on the duty thread soon; false (and nothing runs) once closed. */
    public boolean execute(Runnable task) {
        if (thread.isShutdown()) {
            return false;
        }
        thread.execute(task);
        return true;
    }

    /** Takes or extends the lease (on the duty thread); true when this node holds it on return. */
    public boolean extend() {
        boolean now;
        try {
            now = claim.take();
        } catch (RuntimeException e) {
            log.warn("event={}_lease_error node={} cause={}", duty, claim.owner(), e.toString());
            now = false;
        }
        if (now != held) {
            log.info("event={}_lease node={} held={}", duty, claim.owner(), now);
        }
        held = now;
        return now;
    }

    /**
     * One tick of a duty that does nothing without the lease (webhook delivery, the OCSP fetcher):
     * takes or extends the lease and runs {@code work} only when held. A failure ends the tick with
     * {@code event=<duty>_tick_failed node=... cause=...}; the next tick runs as usual. (The ACME
     * scheduler scans expiry before it asks for the lease, and so writes its own tick.)
     */
    public void runIfHeld(Work work) {
        try {
            if (!extend()) {
                return;
            }
            work.run();
        } catch (StoreException | RuntimeException e) {
            log.warn("event={}_tick_failed node={} cause={}", duty, claim.owner(), e.toString());
        }
    }

    /** True while this node holds the lease (as of the latest {@link #extend()}). */
    public boolean held() {
        return held;
    }

    /** Who holds the lease now, if anyone; empty too when the lease store cannot say. */
    public Optional<String> currentOwner() {
        try {
            return claim.holder();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Stops the duty thread (waiting up to 5 s for a tick in progress), then releases the lease if held. */
    @Override
    public void close() {
        DaemonThreads.stop(thread, Duration.ofSeconds(5));
        if (held) {
            try {
                claim.release();
            } catch (RuntimeException e) {
                log.debug("event={}_lease_release_failed node={} cause={}", duty, claim.owner(), e.toString());
            }
        }
    }
}
