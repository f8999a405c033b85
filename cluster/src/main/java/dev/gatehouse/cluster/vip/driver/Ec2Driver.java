package dev.gatehouse.cluster.vip.driver;

import dev.gatehouse.cluster.netlink.NetlinkException;
import java.io.IOException;
import java.net.Inet4Address;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ec2} driver: a VIP is a secondary private IPv4 address that moves between the ENIs of
 * the cluster's instances, optionally with an Elastic IP associated to it.
 *
 * <ul>
 *   <li>{@link #claim}: {@code AssignPrivateIpAddresses} with {@code AllowReassignment=true} takes
 *       the address from whichever ENI holds it (the dead or isolated node's) in one call; then, for
 *       an Elastic IP, {@code AssociateAddress} with {@code AllowReassociation=true}; then the
 *       address goes on the local interface, because EC2 delivers the packets but the kernel must
 *       accept them. No gratuitous ARP: the VPC answers ARP itself and forwards by its own
 *       address-to-ENI mapping, which is what the API call changed.</li>
 *   <li>{@link #release}: the local address goes first (so this host stops answering at once),
 *       then EC2 state is undone only where it is still ours: the Elastic IP is disassociated only
 *       if its association is on our ENI, and the private address unassigned only if our ENI still
 *       has it. The survivor may already have taken both; that is success, never a reason to touch
 *       its ENI.</li>
 *   <li>{@link #held}: EC2's view (DescribeNetworkInterfaces, DescribeAddresses) intersected with
 *       the local interface's addresses: a VIP is held only when both agree. EC2's view is described
 *       again after each claim or release of ours and otherwise once per {@link #DESCRIBE_INTERVAL}
 *       (30 s), not on every 2 s check; the kernel's list is read every time.</li>
 *   <li>No fight: when a described view shows that an address this driver claimed (and never
 *       released) has left our ENI, someone outside this cluster's plan took it (another cluster
 *       configured with the same address, a change in the console). The driver logs
 *       {@code event=ec2_vip_taken_away} and refuses to claim it back for a back-off (30 s, doubling
 *       to 10 min); the refusal is the VIP's last error in the status. A move after our own release
 *       is the plan's, and is not reported.</li>
 * </ul>
 *
 * <p>Idempotence: claiming twice repeats the same calls, which EC2 accepts for an address (or
 * association) already where it is asked to be (should it refuse the assignment, the driver checks
 * that our ENI has the address and takes that as success), and the local add finds the address
 * present; nothing changes. Releasing twice finds nothing of ours to undo and makes no change call.
 *
 * <p>The instance, its region and each interface's ENI ({@link Ec2Instance}) are read from
 * instance metadata (IMDSv2) on first use and kept: an ENI does not change under a running
 * interface. Every EC2 call uses the SDK's standard retry strategy, bounded in total by
 * {@link Ec2Settings#callTimeout()}.
 *
 * <p>IAM permissions needed: {@code ec2:AssignPrivateIpAddresses},
 * {@code ec2:UnassignPrivateIpAddresses}, {@code ec2:DescribeNetworkInterfaces}, and with Elastic
 * IPs {@code ec2:AssociateAddress}, {@code ec2:DisassociateAddress}, {@code ec2:DescribeAddresses}.
 */
public final class Ec2Driver implements VipDriver {

    private static final Logger log = LoggerFactory.getLogger(Ec2Driver.class);
    private static final String ANY = "*";

    /** How long EC2's view (Describe*) is trusted in steady state before {@link #held} asks again. */
    static final java.time.Duration DESCRIBE_INTERVAL = java.time.Duration.ofSeconds(30);
    /** First back-off after an address was taken away by someone other than this node; doubles, capped. */
    static final java.time.Duration FIRST_BACKOFF = java.time.Duration.ofSeconds(30);
    static final java.time.Duration MAX_BACKOFF = java.time.Duration.ofMinutes(10);

    private final Ec2Settings settings;
    private final LocalAddresses local;
    private final Ec2Instance instance;
    private final Clock clock;
    /** EC2's view as last described, and when; null when it must be described again (after our own changes). */
    private Map<String, Ec2Api.EniAddresses> describedAssigned;
    private Map<String, Ec2Api.Association> describedAssociated;
    private long describedAtMillis;
    /** VIPs this driver claimed and has not released since: a move of one of them was not ours. */
    private final Set<String> claimed = new HashSet<>();
    /** VIPs taken away from us by something other than our release, with when we may try again. */
    private final Map<String, TakenAway> takenAway = new HashMap<>();

    /** An address that moved off our ENI without our release: who has it now, and the back-off. */
    record TakenAway(String nowOn, long atMillis, long untilMillis, long backoffMillis) {
    }

    Ec2Driver(Ec2Settings settings, LocalAddresses local) {
        this(settings, local, Clock.systemUTC());
    }

    Ec2Driver(Ec2Settings settings, LocalAddresses local, Clock clock) {
        this.settings = settings;
        this.local = local;
        this.clock = clock;
        this.instance = new Ec2Instance(settings);
    }

    /**
     * The production driver: local addresses over rtnetlink. Contacts nothing yet; instance metadata
     * and EC2 are first used by the first claim, release or held.
     *
     * @throws VipDriverException (VIP {@code *}) if the rtnetlink socket cannot be opened
     */
    public static Ec2Driver create(Ec2Settings settings) throws VipDriverException {
        try {
            return new Ec2Driver(settings, LocalAddresses.netlink());
        } catch (NetlinkException e) {
            throw new VipDriverException(ANY, "cannot open rtnetlink: " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "ec2";
    }

    @Override
    public synchronized void claim(VipSpec vip) throws VipDriverException {
        String ip = vip.name();
        TakenAway away = takenAway.get(ip);
        long now = clock.millis();
        if (away != null && now < away.untilMillis()) {
            // never fight over an address: something outside this cluster's plan moved it
            throw new VipDriverException(ip, "taken from this node by " + away.nowOn() + " at "
                    + java.time.Instant.ofEpochMilli(away.atMillis()) + ", not by this cluster's plan: not claimed again "
                    + "before " + java.time.Instant.ofEpochMilli(away.untilMillis()) + " (back-off "
                    + away.backoffMillis() / 1000 + " s; another cluster or a manual change on the same address?)");
        }
        String eni = instance.eni(ip, vip.interfaceName());
        Ec2Api ec2 = instance.api(ip);
        describedAssigned = null; // our own change: describe again on the next held
        if (settings.mode() == Ec2Settings.Mode.ELASTIC_IP) {
            claimElasticIp(ec2, vip, eni);
            return;
        }
        try {
            ec2.assign(ip, eni, ip);
        } catch (VipDriverException e) {
            // should EC2 ever refuse to re-assign an address to the ENI that already has it, a
            // repeated claim is still a success: check before giving up
            String code = Ec2Api.errorCode(e);
            if (!(Ec2Api.INVALID_PARAMETER_VALUE.equals(code) || Ec2Api.ADDRESS_IN_USE.equals(code))
                    || !addressesOf(ec2, ip, eni).secondary().contains(ip)) {
                throw e;
            }
            log.debug("event=ec2_vip_already_assigned vip={} eni={}", ip, eni);
        }
        if (vip.elasticIp().isPresent()) {
            ec2.associate(ip, vip.elasticIp().get(), eni, ip);
        }
        try {
            local.add(vip.interfaceName(), vip.address(), vip.prefixLength());
        } catch (IOException e) {
            throw new VipDriverException(ip, "assigned to " + eni + " but not added on " + vip.interfaceName()
                    + ": " + e.getMessage(), e);
        }
        claimed.add(ip);
        log.info("event=ec2_vip_claimed vip={} eni={} instance={} eip={}", ip, eni, instance.id(), vip.elasticIp().orElse("-"));
    }

    @Override
    public synchronized void release(VipSpec vip) throws VipDriverException {
        String ip = vip.name();
        claimed.remove(ip); // from here on a move is expected (the plan gave it away)
        takenAway.remove(ip);
        describedAssigned = null;
        if (settings.mode() == Ec2Settings.Mode.ELASTIC_IP) {
            String eni = instance.eni(ip, vip.interfaceName());
            releaseElasticIp(instance.api(ip), ip, elasticIpOf(vip), eni);
            log.info("event=ec2_vip_released vip={} eni={} mode=elastic-ip", ip, eni);
            return;
        }
        try {
            local.delete(vip.interfaceName(), vip.address());
        } catch (IOException e) {
            throw new VipDriverException(ip, "cannot remove from " + vip.interfaceName() + ": " + e.getMessage(), e);
        }
        String eni = instance.eni(ip, vip.interfaceName());
        Ec2Api ec2 = instance.api(ip);
        if (vip.elasticIp().isPresent()) {
            releaseElasticIp(ec2, ip, vip.elasticIp().get(), eni);
        }
        Ec2Api.EniAddresses mine = addressesOf(ec2, ip, eni);
        if (mine.primary().filter(ip::equals).isPresent()) {
            log.warn("event=ec2_vip_is_primary vip={} eni={} reason=\"the ENI's primary address is left assigned (a VIP must be a secondary address)\"",
                    ip, eni);
            return;
        }
        if (!mine.secondary().contains(ip)) {
            log.debug("event=ec2_vip_not_ours vip={} eni={} reason=\"moved to its new owner already, nothing to unassign\"", ip, eni);
            log.info("event=ec2_vip_released vip={} eni={}", ip, eni);
            return;
        }
        try {
            ec2.unassign(ip, eni, ip);
        } catch (VipDriverException e) {
            // EC2 refuses an unassign for an address the ENI no longer has: if it moved between our
            // look and our call, the release is done; otherwise the refusal stands
            if (!Ec2Api.INVALID_PARAMETER_VALUE.equals(Ec2Api.errorCode(e))
                    || addressesOf(ec2, ip, eni).secondary().contains(ip)) {
                throw e;
            }
            log.debug("event=ec2_vip_moved_during_release vip={} eni={}", ip, eni);
        }
        log.info("event=ec2_vip_released vip={} eni={}", ip, eni);
    }

    /**
     * Elastic-IP mode: associates the allocation with our ENI's primary private address (looked up once
     * per ENI), taking it from wherever it is; no private address moves, nothing changes locally.
     */
    private void claimElasticIp(Ec2Api ec2, VipSpec vip, String eni) throws VipDriverException {
        String ip = vip.name();
        String allocation = elasticIpOf(vip);
        String primary = primaryOf(ec2, ip, eni);
        ec2.associate(ip, allocation, eni, primary);
        claimed.add(ip);
        log.info("event=ec2_vip_claimed vip={} eni={} instance={} eip={} private_ip={} mode=elastic-ip", ip, eni,
                instance.id(), allocation, primary);
    }

    private static String elasticIpOf(VipSpec vip) throws VipDriverException {
        return vip.elasticIp().orElseThrow(() -> new VipDriverException(vip.name(),
                "no elasticIp (expected: an allocation id for every VIP in ec2 mode elastic-ip)"));
    }

    private final Map<String, String> primaryByEni = new HashMap<>();

    private String primaryOf(Ec2Api ec2, String ip, String eni) throws VipDriverException {
        String known = primaryByEni.get(eni);
        if (known == null) {
            known = addressesOf(ec2, ip, eni).primary().orElseThrow(() -> new VipDriverException(ip,
                    "DescribeNetworkInterfaces returned no primary private address for " + eni));
            primaryByEni.put(eni, known);
        }
        return known;
    }

    private void releaseElasticIp(Ec2Api ec2, String ip, String allocationId, String eni) throws VipDriverException {
        Ec2Api.Association now = ec2.associations(ip, List.of(allocationId)).get(allocationId);
        if (now == null || now.associationId().isEmpty()) {
            log.debug("event=ec2_eip_not_associated vip={} eip={}", ip, allocationId);
        } else if (!now.networkInterfaceId().filter(eni::equals).isPresent()) {
            log.debug("event=ec2_eip_elsewhere vip={} eip={} associated_with={} reason=\"not ours, left alone\"", ip, allocationId,
                    now.networkInterfaceId().orElse("-"));
        } else if (!ec2.disassociate(ip, now.associationId().get())) {
            log.debug("event=ec2_eip_moved_during_release vip={} eip={}", ip, allocationId);
        }
    }

    private static Ec2Api.EniAddresses addressesOf(Ec2Api ec2, String ip, String eni) throws VipDriverException {
        Ec2Api.EniAddresses mine = ec2.privateAddresses(ip, List.of(eni)).get(eni);
        if (mine == null) {
            throw new VipDriverException(ip, "DescribeNetworkInterfaces did not return our ENI " + eni);
        }
        return mine;
    }

    @Override
    public synchronized Set<VipSpec> held(Set<VipSpec> vips) throws VipDriverException {
        if (vips.isEmpty()) {
            return Set.of();
        }
        Map<String, String> enis = new HashMap<>();
        Set<String> allocations = new LinkedHashSet<>();
        for (VipSpec vip : vips) {
            enis.put(vip.interfaceName(), instance.eni(ANY, vip.interfaceName()));
            vip.elasticIp().ifPresent(allocations::add);
        }
        Ec2Api ec2 = instance.api(ANY);
        long now = clock.millis();
        boolean fresh = describedAssigned == null || now - describedAtMillis >= DESCRIBE_INTERVAL.toMillis()
                || !describedAssigned.keySet().containsAll(enis.values());
        if (fresh) {
            describedAssigned = ec2.privateAddresses(ANY, new LinkedHashSet<>(enis.values()));
            describedAssociated = allocations.isEmpty() ? Map.of() : ec2.associations(ANY, allocations);
            describedAtMillis = now;
        }
        Map<String, Ec2Api.EniAddresses> assigned = describedAssigned;
        Map<String, Ec2Api.Association> associated = describedAssociated;
        Map<String, Set<Inet4Address>> onInterfaces = new HashMap<>();
        for (String interfaceName : enis.keySet()) {
            try {
                onInterfaces.put(interfaceName, local.list(interfaceName));
            } catch (IOException e) {
                throw new VipDriverException(ANY, "cannot list addresses on " + interfaceName + ": " + e.getMessage(), e);
            }
        }
        Set<VipSpec> held = new HashSet<>();
        for (VipSpec vip : vips) {
            String ip = vip.name();
            String eni = enis.get(vip.interfaceName());
            Ec2Api.EniAddresses onEni = assigned.get(eni);
            boolean inEc2 = onEni != null && onEni.secondary().contains(ip);
            boolean eipHere = vip.elasticIp()
                    .map(id -> associated.containsKey(id) && associated.get(id).isOn(eni, ip))
                    .orElse(true);
            boolean inKernel = onInterfaces.get(vip.interfaceName()).contains(vip.address());
            if (settings.mode() == Ec2Settings.Mode.ELASTIC_IP) {
                // only the association counts: on our ENI's primary address
                String primary = onEni == null ? null : onEni.primary().orElse(null);
                inEc2 = primary != null && vip.elasticIp().map(id -> associated.containsKey(id)
                        && associated.get(id).isOn(eni, primary)).orElse(false);
                eipHere = inEc2;
                inKernel = true;
            }
            if (fresh && !inEc2 && claimed.contains(ip)) {
                takenAwayFromUs(ip, eni, now);
            }
            if (inEc2 && eipHere && inKernel) {
                held.add(vip);
            } else if (inEc2 || inKernel) {
                log.debug("event=ec2_vip_partly_held vip={} eni={} ec2={} eip={} kernel={}", ip, eni, inEc2, eipHere, inKernel);
            }
        }
        return held;
    }

    /**
     * Our ENI lost an address this driver claimed and never released: someone else (another cluster
     * configured with the same address, a person in the console) assigned it elsewhere. Recorded with a
     * back-off that doubles each time it happens again (capped), during which {@link #claim} refuses;
     * the manager reports the refusal as the VIP's last error. The local address stays until the
     * manager releases it.
     */
    private void takenAwayFromUs(String ip, String eni, long now) {
        TakenAway before = takenAway.get(ip);
        long backoff = before == null ? FIRST_BACKOFF.toMillis()
                : Math.min(MAX_BACKOFF.toMillis(), before.backoffMillis() * 2);
        TakenAway away = new TakenAway("someone else (it left " + eni + ")", now, now + backoff, backoff);
        takenAway.put(ip, away);
        claimed.remove(ip);
        log.warn("event=ec2_vip_taken_away vip={} eni={} backoff_s={} reason=\"moved off this node's ENI without "
                + "this node releasing it (not this cluster's plan): not claimed again during the back-off\"", ip, eni,
                backoff / 1000);
    }

    /** VIPs taken from this node by something outside the plan, and until when claims are refused. */
    synchronized Map<String, TakenAway> takenAway() {
        return Map.copyOf(takenAway);
    }

    @Override
    public synchronized void close() {
        instance.close();
        local.close();
    }
}
