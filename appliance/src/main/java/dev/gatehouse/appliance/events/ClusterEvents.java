package dev.gatehouse.appliance.events;

import dev.gatehouse.cluster.DaemonThreads;
import dev.gatehouse.cluster.membership.MembershipView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Events about the cluster itself, reported once per cluster, not once per node:
 * {@code node.joined}/{@code node.left} by the coordinator of the new membership view (the first
 * member; when the coordinator itself left, its successor, which coordinates the new view), and
 * {@code vip.moved} by the node that takes the VIP. Each is keyed by view id (or plan) and node, so
 * a repeat of the same fact is stored once. Membership callbacks never block: the writes run on this
 * class's own thread.
 */
public final class ClusterEvents implements AutoCloseable {

    private final EventSink events;
    private final String self;
    private final ExecutorService thread =
            Executors.newSingleThreadExecutor(DaemonThreads.named("gatehouse-cluster-events"));
    /** Written on the membership controller thread only. */
    private List<String> previous = List.of();

    public ClusterEvents(EventSink events, String self) {
        this.events = events;
        this.self = self;
    }

    /** From the membership listener (controller thread). */
    public void viewChanged(MembershipView v) {
        List<String> now = v.names();
        List<String> before = previous;
        previous = now;
        if (v.coordinator().map(m -> !m.name().equals(self)).orElse(true)) {
            return;
        }
        List<String> joined = new ArrayList<>(now);
        joined.removeAll(before);
        List<String> left = new ArrayList<>(before);
        left.removeAll(now);
        for (String n : joined) {
            submit(v.id() + "|" + n, EventTypes.NODE_JOINED, n, v);
        }
        for (String n : left) {
            submit(v.id() + "|" + n, EventTypes.NODE_LEFT, n, v);
        }
    }

    /** From the VIP manager (controller thread): this node took {@code vip} from {@code from}. */
    public void vipTaken(String vip, String from, String viewId, long planSeq) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("vip", vip);
        data.put("from", from);
        data.put("to", self);
        data.put("view", viewId);
        run(() -> events.emitOnce(viewId + "|" + planSeq + "|" + vip, EventTypes.VIP_MOVED, null, vip, data));
    }

    private void submit(String key, String type, String node, MembershipView v) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("node", node);
        data.put("view", v.id());
        data.put("members", v.names());
        run(() -> events.emitOnce(key, type, null, node, data));
    }

    private void run(Runnable r) {
        try {
            thread.execute(r);
        } catch (RejectedExecutionException e) {
            // stopping: the fact is lost with the node, as its log line would be
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
