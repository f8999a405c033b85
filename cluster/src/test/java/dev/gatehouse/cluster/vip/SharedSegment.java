package dev.gatehouse.cluster.vip;

import dev.gatehouse.cluster.vip.driver.VipDriver;
import dev.gatehouse.cluster.vip.driver.VipDriverException;
import dev.gatehouse.cluster.vip.driver.VipSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pretend layer-2 segment for VIP tests: each node's driver adds and removes VIPs here, and the
 * segment remembers, for every VIP, which nodes hold it and every change in order, so a test can
 * check "exactly one holder" and "never nobody during a hand-over".
 */
final class SharedSegment {

    record Change(long nanos, String vip, String node, boolean held, int holdersAfter) {
    }

    private final Map<String, Set<String>> holders = new LinkedHashMap<>();
    private final List<Change> changes = new ArrayList<>();
    private final Map<String, AtomicInteger> announcements = new LinkedHashMap<>();
    /** When each claim (announcement) was made: node + " " + vip → nanos, in order. */
    private final Map<String, List<Long>> claimTimes = new LinkedHashMap<>();

    synchronized Set<String> holders(String vip) {
        return Set.copyOf(holders.getOrDefault(vip, Set.of()));
    }

    synchronized List<Change> changes() {
        return List.copyOf(changes);
    }

    synchronized int announcements(String node, String vip) {
        return announcements.getOrDefault(node + " " + vip, new AtomicInteger()).get();
    }

    /** When {@code node} claimed (announced) {@code vip}, in order ({@link System#nanoTime()}). */
    synchronized List<Long> claimTimes(String node, String vip) {
        return List.copyOf(claimTimes.getOrDefault(node + " " + vip, List.of()));
    }

    private synchronized void set(String node, VipSpec vip, boolean held) {
        Set<String> h = holders.computeIfAbsent(vip.name(), k -> new HashSet<>());
        boolean changed = held ? h.add(node) : h.remove(node);
        if (held) {
            announcements.computeIfAbsent(node + " " + vip.name(), k -> new AtomicInteger()).incrementAndGet();
            claimTimes.computeIfAbsent(node + " " + vip.name(), k -> new ArrayList<>()).add(System.nanoTime());
        }
        if (changed) {
            changes.add(new Change(System.nanoTime(), vip.name(), node, held, h.size()));
        }
    }

    /** A driver for {@code node}; {@code failures} claims fail first (to test retries). */
    Driver driver(String node) {
        return new Driver(node);
    }

    final class Driver implements VipDriver {
        private final String node;
        volatile int failClaims;

        Driver(String node) {
            this.node = node;
        }

        @Override
        public String name() {
            return "segment";
        }

        @Override
        public void claim(VipSpec vip) throws VipDriverException {
            if (failClaims > 0) {
                failClaims--;
                throw new VipDriverException(vip.name(), "injected failure (Operation not permitted)");
            }
            set(node, vip, true);
        }

        @Override
        public void release(VipSpec vip) {
            set(node, vip, false);
        }

        @Override
        public Set<VipSpec> held(Set<VipSpec> vips) {
            Set<VipSpec> out = new HashSet<>();
            for (VipSpec v : vips) {
                if (holders(v.name()).contains(node)) {
                    out.add(v);
                }
            }
            return out;
        }

        /** Adds {@code vip} behind the manager's back (a leftover, or an operator's `ip addr add`). */
        void addBehindTheBack(VipSpec vip) {
            set(node, vip, true);
        }

        @Override
        public void close() {
        }
    }
}
