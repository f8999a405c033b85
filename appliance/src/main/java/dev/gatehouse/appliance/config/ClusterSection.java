package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks {@code cluster:} and {@code cluster.membership:} once bound: members and peers are IP
 * {@code host:port}s, this node is one of the members, membership only in a cluster, and failure
 * detection that does not exclude a healthy member for one late heartbeat.
 */
final class ClusterSection {

    private static final String MEMBERSHIP = "cluster.membership";
    private static final String FD = "cluster.membership.failureDetection";

    private ClusterSection() {
    }

    static GatehouseConfig.Cluster read(ConfigReader r, ConfigFile.Cluster c, JsonNode raw) {
        List<String> members = addresses(r, "cluster.members", c.members(), raw.path("members"));
        if (c.enabled() && members.isEmpty()) {
            r.problem("cluster.members", raw.path("members"),
                    "every member's host:port (this node included) when cluster.enabled is true");
        }
        InetSocketAddress bind = c.bind();
        if (c.enabled() && bind != null && !members.isEmpty()
                && members.stream().noneMatch(m -> bind.equals(ConfigReader.parseAddress(m)))) {
            r.problem("cluster.bind", raw.path("bind"), "one of cluster.members " + members);
        }
        return new GatehouseConfig.Cluster(c.enabled(), c.name(), bind, members, c.keyFile(), c.previousKeyFile(),
                c.ticketKeyRotation(), membership(r, c.enabled(), c.membership(), raw.path("membership")));
    }

    private static GatehouseConfig.Membership membership(ConfigReader r, boolean clusterOn, ConfigFile.Membership m,
            JsonNode raw) {
        if (m == null) {
            return null;
        }
        List<String> peers = addresses(r, MEMBERSHIP + ".peers", m.peers(), raw.path("peers"));
        if (peers.isEmpty()) {
            r.problem(MEMBERSHIP + ".peers", raw.path("peers"), "every member's host:port, this node included");
        }
        if (!ConfigReader.isScalar(raw.path("secretFile"))) {
            r.problem(MEMBERSHIP + ".secretFile", null, "a file of at least 16 random bytes, the same on every node");
        }
        if (!clusterOn) {
            r.problem(MEMBERSHIP, raw, "only with cluster.enabled: true");
        }
        GatehouseConfig.Ha ha = HaSection.read(r, m.ha(), raw.path("ha"));
        Duration heartbeat = m.failureDetection().heartbeat();
        Duration timeout = m.failureDetection().timeout();
        if (timeout.compareTo(heartbeat.multipliedBy(3)) < 0) {
            r.problem(FD + ".timeout", raw.path("failureDetection").path("timeout"), "at least 3 heartbeats ("
                    + heartbeat.multipliedBy(3) + "), or one late packet excludes a healthy member");
        }
        return new GatehouseConfig.Membership(m.port(), peers, m.secretFile(), ha, heartbeat, timeout,
                m.failureDetection().verify());
    }

    /** The IP {@code host:port}s of a list; each other entry reported. */
    private static List<String> addresses(ConfigReader r, String at, List<String> written, JsonNode raw) {
        List<String> out = new ArrayList<>();
        List<String> list = ConfigReader.orEmpty(written);
        for (int i = 0; i < list.size(); i++) {
            String a = list.get(i);
            if (a != null && ConfigReader.parseAddress(a) != null) {
                out.add(a);
            } else {
                r.problem(at + "[" + i + "]", raw.path(i), "host:port with an IP address");
            }
        }
        return out;
    }
}
