package dev.gatehouse.cluster.membership;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.MergeView;
import org.jgroups.PhysicalAddress;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.util.NameCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership in the cluster: a JGroups channel built from
 * {@code gatehouse-jgroups.xml} (static TCP peers, encrypted and authenticated with keys derived
 * from the cluster secret, failure detection tuned for VIP failover). The JGroups view alone
 * decides who owns which VIP.
 *
 * <p>JGroups callbacks only enqueue onto the {@link Controller}; the view is converted, stored
 * and handed to the listener there, one view at a time, in order.
 */
public final class Membership implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    private final MembershipSettings settings;
    private final Controller controller;
    private final MembershipListener listener;
    private final JChannel channel;
    private volatile MembershipView current = MembershipView.none();

    private Membership(MembershipSettings settings, Controller controller, MembershipListener listener,
                       JChannel channel) {
        this.settings = settings;
        this.controller = controller;
        this.listener = listener;
        this.channel = channel;
    }

    /**
     * Creates the channel and joins the cluster (returns once this node is in a view, possibly
     * alone). Views are delivered to {@code listener} on {@code controller}.
     */
    public static Membership connect(MembershipSettings settings, Controller controller, MembershipListener listener)
            throws MembershipException {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(controller, "controller");
        Objects.requireNonNull(listener, "listener");
        JChannel channel;
        try {
            channel = new JChannel(JGroupsStack.configurator(settings));
        } catch (Exception e) {
            throw new MembershipException(settings.nodeName(), settings.clusterName(), "cannot build the JGroups stack", e);
        }
        Membership membership = new Membership(settings, controller, listener, channel);
        channel.setName(settings.nodeName());
        channel.setReceiver(new Receiver() {
            @Override
            public void viewAccepted(View view) {
                controller.execute(() -> membership.onView(view));
            }

            @Override
            public void receive(Message msg) {
                String from = NameCache.get(msg.getSrc());
                byte[] payload = msg.getArray();
                if (payload == null || from == null) {
                    return;
                }
                byte[] copy = java.util.Arrays.copyOfRange(payload, msg.getOffset(), msg.getOffset() + msg.getLength());
                controller.execute(() -> listener.messageReceived(from, copy));
            }
        });
        channel.setDiscardOwnMessages(true);
        try {
            channel.connect(settings.clusterName());
        } catch (Exception e) {
            channel.close();
            throw new MembershipException(settings.nodeName(), settings.clusterName(), "cannot join", e);
        }
        log.info("event=membership_joined node={} cluster={} bind={}:{} peers={}", settings.nodeName(),
                settings.clusterName(), settings.bindAddress(), settings.port(), settings.peers());
        return membership;
    }

    /** The latest view delivered (as of the controller's last task); {@link MembershipView#none()} before. */
    public MembershipView view() {
        return current;
    }

    /**
     * Sends {@code payload} to every other member of the current view (this node does not receive
     * its own messages). Encrypted and authenticated like everything on the channel; delivered in
     * order per sender. Fails quietly (logged) when the channel is closed.
     */
    public void broadcast(byte[] payload) {
        try {
            channel.send(new BytesMessage(null, payload));
        } catch (Exception e) {
            log.warn("event=membership_broadcast_failed node={} bytes={} error=\"{}\"", settings.nodeName(), payload.length,
                    e.toString());
        }
    }

    /** The JGroups channel, for tests that add protocols (e.g. DISCARD) to split the cluster. */
    JChannel channel() {
        return channel;
    }

    private void onView(View view) {
        List<MembershipView.Member> members = new ArrayList<>();
        for (Address address : view.getMembers()) {
            String name = NameCache.get(address);
            PhysicalAddress physical = (PhysicalAddress) channel.down(new Event(Event.GET_PHYSICAL_ADDRESS, address));
            members.add(new MembershipView.Member(name != null ? name : address.toString(),
                    physical != null ? physical.printIpAddress() : null));
        }
        MembershipView next = new MembershipView(view.getViewId().toString(), members, view instanceof MergeView);
        MembershipView previous = current;
        current = next;
        log.info("event=view_changed node={} view={} members={} merged={} joined={} left={}", settings.nodeName(), next.id(),
                next.names(), next.merged(), minus(next.names(), previous.names()), minus(previous.names(), next.names()));
        listener.viewChanged(next);
    }

    private static List<String> minus(List<String> a, List<String> b) {
        return a.stream().filter(x -> !b.contains(x)).toList();
    }

    /** Leaves the cluster gracefully (the others install a view without this node at once). */
    @Override
    public void close() {
        channel.close();
        log.info("event=membership_left node={} cluster={}", settings.nodeName(), settings.clusterName());
    }

    Controller controller() {
        return controller;
    }
}
