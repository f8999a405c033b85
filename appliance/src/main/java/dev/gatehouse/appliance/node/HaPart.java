package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.events.ClusterEvents;
import dev.gatehouse.cluster.membership.Controller;
import dev.gatehouse.cluster.membership.Membership;
import dev.gatehouse.cluster.membership.MembershipListener;
import dev.gatehouse.cluster.membership.MembershipSettings;
import dev.gatehouse.cluster.membership.MembershipView;
import dev.gatehouse.cluster.vip.ConnectionDrain;
import dev.gatehouse.cluster.vip.Failback;
import dev.gatehouse.cluster.vip.GatewayCheck;
import dev.gatehouse.cluster.vip.VipManager;
import dev.gatehouse.cluster.vip.VipSettings;
import dev.gatehouse.tls.server.EdgeServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership and VIPs: joins the JGroups view (it alone decides who owns which VIP; views arrive
 * on the controller thread) and, with {@code cluster.membership.ha}, runs the VIP manager, which
 * claims VIPs only while {@link #healthProblem} is null. Steps, in start order: gateway check,
 * controller, membership (the VIP manager is created just before the channel connects, so that it
 * sees the first view), VIPs started. Closing runs them in reverse: the VIPs are released before
 * this node leaves the view, so no peer claims an address this host still answers for.
 * {@link #stepDown} (before any part closes) hands the VIPs over while the listeners still answer.
 */
final class HaPart implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HaPart.class);

    private final Lifecycle parts = new Lifecycle("ha");
    private final GatehouseConfig config;
    private final Supplier<String> nodeProblem;
    private final ConnectionDrain drain;
    private GatewayCheck gateway;
    private VipManager vips;
    private volatile MembershipView view = MembershipView.none();

    private HaPart(GatehouseConfig config, Supplier<String> nodeProblem, ConnectionDrain drain) {
        this.config = config;
        this.nodeProblem = nodeProblem;
        this.drain = drain;
    }

    /**
     * Joins, or returns null when the node runs without membership (not clustered, or no
     * {@code cluster.membership}).
     *
     * @param nodeProblem why the node itself may not own VIPs now (starting, listener or I/O threads stuck)
     * @param edge        the data plane, whose connections on a VIP drain before a planned hand-over
     */
    static HaPart join(GatehouseConfig config, ClusterEvents events, Supplier<String> nodeProblem, EdgeServer edge)
            throws IOException, PartStartException {
        GatehouseConfig.Cluster cl = config.cluster();
        if (!cl.enabled() || cl.membership() == null) {
            return null;
        }
        HaPart ha = new HaPart(config, nodeProblem, new ConnectionDrain() {
            @Override
            public int drain(InetAddress vip, Duration limit) {
                return edge.drainAddress(vip, limit);
            }

            @Override
            public void resume(InetAddress vip) {
                edge.resumeAddress(vip);
            }
        });
        ha.start(cl, events);
        return ha;
    }

    private void start(GatehouseConfig.Cluster cl, ClusterEvents events) throws IOException, PartStartException {
        GatehouseConfig.Membership m = cl.membership();
        if (!Files.exists(m.secretFile())) {
            throw new IOException("cluster.membership.secretFile: " + m.secretFile() + " does not exist (expected: at "
                    + "least 16 random bytes, the same on every node)");
        }
        byte[] secret = Files.readAllBytes(m.secretFile());
        GatehouseConfig.Ha ha = m.ha();
        if (ha != null && ha.gateway() != null) {
            gateway = parts.start("gateway", () -> GatewayCheck.start(InetAddress.getByName(ha.gateway()),
                    Duration.ofSeconds(1), Duration.ofMillis(500), 3));
        }
        Controller controller = parts.start("controller", () -> Controller.named("gatehouse-membership"));
        MembershipSettings settings = MembershipSettings.builder()
                .clusterName(cl.name())
                .nodeName(config.node().name())
                .bind(cl.bind().getAddress().getHostAddress(), m.port())
                .peers(m.peers())
                .secret(secret)
                .heartbeatInterval(m.heartbeat())
                .failureTimeout(m.failureTimeout())
                .verifyTimeout(m.verifyTimeout())
                .build();
        Membership membership = parts.start("membership", () -> {
            VipManager created = ha == null ? null : createVips(ha, events);
            try {
                vips = created;
                return Membership.connect(settings, controller, listener(events));
            } catch (Exception | Error e) {
                if (created != null) {
                    created.close(); // created, never started: closes its driver
                }
                vips = null;
                throw e;
            }
        });
        if (vips != null) {
            parts.start("vips", () -> {
                vips.start(controller, membership::broadcast);
                return vips; // closing releases every VIP still held here
            });
        }
    }

    private VipManager createVips(GatehouseConfig.Ha ha, ClusterEvents events) throws Exception {
        VipSettings settings = VipSettings.defaults(config.node().name(), VipDrivers.vips(ha),
                ha.failback() == null ? Failback.disabled() : Failback.after(ha.failback()))
                .withSettle(ha.settle()).withHandover(ha.handover());
        VipManager v = VipManager.create(settings, VipDrivers.open(ha), this::healthProblem, Clock.systemUTC());
        v.onMove(events::vipTaken);
        v.drainWith(drain);
        return v;
    }

    private MembershipListener listener(ClusterEvents events) {
        return new MembershipListener() {
            @Override
            public void viewChanged(MembershipView v) {
                view = v;
                log.info("event=membership_view view={} members={}", v.id(), v.names());
                events.viewChanged(v);
                if (vips != null) {
                    vips.viewChanged(v);
                }
            }

            @Override
            public void messageReceived(String from, byte[] payload) {
                if (vips != null) {
                    vips.messageReceived(from, payload);
                }
            }
        };
    }

    /** Why this node may not own VIPs now (null: it may): the node's own health, then the gateway. */
    String healthProblem() {
        String p = nodeProblem.get();
        if (p == null && gateway != null) {
            p = gateway.problem();
        }
        return p;
    }

    /** The latest view (controller thread writes, any thread reads). */
    MembershipView view() {
        return view;
    }

    /** The VIP manager, or null without {@code cluster.membership.ha}. */
    VipManager vips() {
        return vips;
    }

    /**
     * Graceful stop, before any part closes: reports this node unhealthy so that its VIPs move to a
     * peer while its listeners still answer, at most {@code timeout}.
     */
    void stepDown(Duration timeout) {
        if (vips != null) {
            vips.stepDown(timeout);
        }
    }

    /** The status' {@code membership} entry and, with HA, its {@code ha} entry, into {@code cluster}. */
    void status(Map<String, Object> cluster) {
        MembershipView v = view;
        Map<String, Object> mv = new LinkedHashMap<>();
        mv.put("view", v.id());
        mv.put("members", v.names());
        mv.put("coordinator", v.coordinator().map(MembershipView.Member::name).orElse(null));
        cluster.put("membership", mv);
        if (vips != null) {
            cluster.put("ha", vips.status());
        }
    }

    @Override
    public void close() throws PartCloseException {
        parts.close();
    }
}
