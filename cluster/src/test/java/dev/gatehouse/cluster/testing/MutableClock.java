package dev.gatehouse.cluster.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock tests move by hand, to cross expiry horizons (tombstones, leases, tokens, renewals) without
 * waiting. One class for the cluster's and the appliance's tests (the appliance has this module's test-jar).
 */
public final class MutableClock extends Clock {

    private final AtomicReference<Instant> now;

    /** Starts at the current time: for tests that only move it forward. */
    public MutableClock() {
        this(Instant.ofEpochMilli(System.currentTimeMillis()));
    }

    public MutableClock(Instant start) {
        now = new AtomicReference<>(start);
    }

    public void advance(Duration d) {
        now.updateAndGet(t -> t.plus(d));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now.get();
    }
}
