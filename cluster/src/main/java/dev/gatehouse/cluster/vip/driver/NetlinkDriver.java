package dev.gatehouse.cluster.vip.driver;

import dev.gatehouse.cluster.DaemonThreads;
import dev.gatehouse.cluster.netlink.AssignedAddress;
import dev.gatehouse.cluster.netlink.GratuitousArp;
import dev.gatehouse.cluster.netlink.IpAddresses;
import dev.gatehouse.cluster.netlink.NetlinkException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code netlink} driver: adds the VIP to its interface over rtnetlink and announces it with
 * gratuitous ARP; removes it on release. Everything goes through JNA system calls (no {@code ip}
 * or {@code arping} subprocess), so a claim costs well under a millisecond.
 *
 * <p>Announcements: one gratuitous ARP at once, then {@code arpCount - 1} more {@code arpInterval}
 * apart, so a neighbour that missed the first (a busy switch, a dropped frame) still updates its
 * cache within a fraction of a second. A claim of an address already present announces again
 * (after a partition heals). {@link #silence} and {@link #release} cancel the rest of a burst, so
 * a member handing a VIP over never out-announces the new owner.
 */
public final class NetlinkDriver implements VipDriver {

    private static final Logger log = LoggerFactory.getLogger(NetlinkDriver.class);

    private final IpAddresses addresses;
    private final int arpCount;
    private final Duration arpInterval;
    private final Map<String, GratuitousArp> arp = new HashMap<>();
    /** Per VIP, the generation of its current announcement burst; bumped to cancel what is left of it. */
    private final Map<String, Long> bursts = new HashMap<>();
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("gatehouse-garp"));

    private NetlinkDriver(IpAddresses addresses, int arpCount, Duration arpInterval) {
        this.addresses = addresses;
        this.arpCount = arpCount;
        this.arpInterval = arpInterval;
    }

    /** Opens the rtnetlink socket; announcements: {@code arpCount} frames {@code arpInterval} apart. */
    public static NetlinkDriver open(int arpCount, Duration arpInterval) throws VipDriverException {
        if (arpCount < 1) {
            throw new IllegalArgumentException("arpCount: " + arpCount + " (expected: >= 1)");
        }
        try {
            return new NetlinkDriver(IpAddresses.open(), arpCount, arpInterval);
        } catch (NetlinkException e) {
            throw new VipDriverException("*", "cannot open the rtnetlink socket: " + e.getMessage(), e);
        }
    }

    /** Five announcements 100 ms apart. */
    public static NetlinkDriver open() throws VipDriverException {
        return open(5, Duration.ofMillis(100));
    }

    @Override
    public String name() {
        return "netlink";
    }

    @Override
    public synchronized void claim(VipSpec vip) throws VipDriverException {
        boolean added;
        try {
            added = addresses.add(vip.interfaceName(), vip.address(), vip.prefixLength());
        } catch (NetlinkException e) {
            throw new VipDriverException(vip.name(), "cannot add to " + vip.interfaceName() + ": " + e.getMessage(), e);
        }
        try {
            GratuitousArp garp = arpFor(vip);
            garp.send(vip.address());
            long burst = bursts.merge(vip.name(), 1L, Long::sum);
            for (int i = 1; i < arpCount; i++) {
                scheduler.schedule(() -> announceAgain(garp, vip, burst), arpInterval.toNanos() * i,
                        java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        } catch (NetlinkException e) {
            throw new VipDriverException(vip.name(), "added to " + vip.interfaceName()
                    + " but the gratuitous ARP failed: " + e.getMessage(), e);
        }
        if (added) {
            log.info("event=vip_added vip={} interface={} garps={}", vip, vip.interfaceName(), arpCount);
        }
    }

    /** One more announcement of a burst, unless the VIP was claimed again, silenced or released since. */
    private void announceAgain(GratuitousArp garp, VipSpec vip, long burst) {
        synchronized (this) {
            if (bursts.getOrDefault(vip.name(), 0L) != burst) {
                return;
            }
            try {
                garp.send(vip.address());
            } catch (NetlinkException e) {
                log.warn("event=garp_failed vip={} interface={} error=\"{}\"", vip.name(), vip.interfaceName(),
                        e.getMessage());
            }
        }
    }

    @Override
    public synchronized void silence(VipSpec vip) {
        bursts.merge(vip.name(), 1L, Long::sum);
    }

    @Override
    public synchronized void release(VipSpec vip) throws VipDriverException {
        bursts.merge(vip.name(), 1L, Long::sum);
        try {
            if (addresses.delete(vip.interfaceName(), vip.address())) {
                log.info("event=vip_removed vip={} interface={}", vip, vip.interfaceName());
            }
        } catch (NetlinkException e) {
            throw new VipDriverException(vip.name(), "cannot remove from " + vip.interfaceName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Set<VipSpec> held(Set<VipSpec> vips) throws VipDriverException {
        Map<String, List<AssignedAddress>> byInterface = new HashMap<>();
        Set<VipSpec> out = new HashSet<>();
        for (VipSpec vip : vips) {
            List<AssignedAddress> present = byInterface.get(vip.interfaceName());
            if (present == null) {
                try {
                    present = addresses.list(vip.interfaceName());
                } catch (NetlinkException e) {
                    throw new VipDriverException(vip.name(), "cannot list the addresses of " + vip.interfaceName()
                            + ": " + e.getMessage(), e);
                }
                byInterface.put(vip.interfaceName(), present);
            }
            if (present.stream().anyMatch(a -> a.address().equals(vip.address()))) {
                out.add(vip);
            }
        }
        return out;
    }

    @Override
    public synchronized void prepare(Set<VipSpec> vips) {
        for (VipSpec vip : vips) {
            try {
                arpFor(vip);
            } catch (NetlinkException e) {
                log.warn("event=garp_prepare_failed interface={} error=\"{}\"", vip.interfaceName(), e.getMessage());
            }
        }
    }

    private GratuitousArp arpFor(VipSpec vip) throws NetlinkException {
        GratuitousArp g = arp.get(vip.interfaceName());
        if (g != null && !g.isCurrent()) {
            // the interface was deleted and created again since: its old index is gone
            log.info("event=garp_reopened interface={} reason=\"interface index changed\"", vip.interfaceName());
            arp.remove(vip.interfaceName()).close();
            g = null;
        }
        if (g == null) {
            g = GratuitousArp.open(vip.interfaceName());
            arp.put(vip.interfaceName(), g);
        }
        return g;
    }

    @Override
    public synchronized void close() {
        scheduler.shutdownNow();
        arp.values().forEach(GratuitousArp::close);
        arp.clear();
        addresses.close();
    }
}
