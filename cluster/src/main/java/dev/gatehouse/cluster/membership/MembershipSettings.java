package dev.gatehouse.cluster.membership;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a node joins the cluster's JGroups channel. Built with {@link #builder()}, which rejects
 * missing fields and bad combinations at {@link Builder#build()}.
 *
 * @param clusterName       JGroups cluster name (nodes with another name never see each other)
 * @param nodeName          this node's name; must be unique in the cluster and stable across
 *                          restarts, since VIP preferences name it
 * @param bindAddress       the address JGroups binds and advertises (the cluster interface)
 * @param port              the JGroups TCP port (7800 on an appliance)
 * @param peers             every member's {@code host:port}, this node included (static discovery)
 * @param secret            the cluster secret; encryption and authentication keys derive from it
 * @param heartbeatInterval how often FD_ALL3 sends a heartbeat
 * @param failureTimeout    how long without any message before FD_ALL3 suspects a member
 * @param verifyTimeout     how long VERIFY_SUSPECT2 waits for a suspect to answer before excluding it
 * @param mergeMinInterval  MERGE3's shortest interval between the messages that find partitions
 * @param mergeMaxInterval  MERGE3's longest such interval
 */
public record MembershipSettings(String clusterName, String nodeName, String bindAddress, int port,
                                 List<String> peers, byte[] secret, Duration heartbeatInterval,
                                 Duration failureTimeout, Duration verifyTimeout, Duration mergeMinInterval,
                                 Duration mergeMaxInterval) {

    /** Shortest cluster secret accepted, in bytes. */
    public static final int MIN_SECRET_BYTES = 16;

    public MembershipSettings {
        peers = List.copyOf(peers);
        secret = secret.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    /** The {@code gatehouse.*} values substituted into {@code gatehouse-jgroups.xml}. */
    Map<String, String> xmlProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("gatehouse.bind_addr", bindAddress);
        p.put("gatehouse.port", Integer.toString(port));
        List<String> hosts = new ArrayList<>();
        for (String peer : peers) {
            int colon = peer.lastIndexOf(':');
            String host = peer.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            hosts.add(host + "[" + peer.substring(colon + 1) + "]");
        }
        p.put("gatehouse.peers", String.join(",", hosts));
        p.put("gatehouse.fd_interval", heartbeatInterval.toMillis() + "ms");
        p.put("gatehouse.fd_timeout", failureTimeout.toMillis() + "ms");
        p.put("gatehouse.verify_timeout", verifyTimeout.toMillis() + "ms");
        p.put("gatehouse.merge_min_interval", mergeMinInterval.toMillis() + "ms");
        p.put("gatehouse.merge_max_interval", mergeMaxInterval.toMillis() + "ms");
        return p;
    }

    @Override
    public String toString() {
        return "MembershipSettings[cluster=" + clusterName + " node=" + nodeName + " bind=" + bindAddress + ":" + port
                + " peers=" + peers + " heartbeat=" + heartbeatInterval + " failureTimeout=" + failureTimeout + "]";
    }

    /** Builds {@link MembershipSettings}; defaults suit VIP failover on a LAN. */
    public static final class Builder {
        private String clusterName = "gatehouse";
        private String nodeName;
        private String bindAddress;
        private int port = 7800;
        private List<String> peers = List.of();
        private byte[] secret;
        private Duration heartbeatInterval = Duration.ofMillis(100);
        private Duration failureTimeout = Duration.ofMillis(600);
        private Duration verifyTimeout = Duration.ofMillis(100);
        private Duration mergeMinInterval = Duration.ofSeconds(1);
        private Duration mergeMaxInterval = Duration.ofSeconds(3);

        private Builder() {
        }

        public Builder clusterName(String v) {
            clusterName = Objects.requireNonNull(v, "clusterName");
            return this;
        }

        public Builder nodeName(String v) {
            nodeName = Objects.requireNonNull(v, "nodeName");
            return this;
        }

        public Builder bind(String address, int port) {
            this.bindAddress = Objects.requireNonNull(address, "bindAddress");
            this.port = port;
            return this;
        }

        public Builder peers(List<String> v) {
            peers = List.copyOf(v);
            return this;
        }

        public Builder secret(byte[] v) {
            secret = Objects.requireNonNull(v, "secret").clone();
            return this;
        }

        public Builder heartbeatInterval(Duration v) {
            heartbeatInterval = Objects.requireNonNull(v, "heartbeatInterval");
            return this;
        }

        public Builder failureTimeout(Duration v) {
            failureTimeout = Objects.requireNonNull(v, "failureTimeout");
            return this;
        }

        public Builder verifyTimeout(Duration v) {
            verifyTimeout = Objects.requireNonNull(v, "verifyTimeout");
            return this;
        }

        public Builder mergeInterval(Duration min, Duration max) {
            mergeMinInterval = Objects.requireNonNull(min, "mergeMinInterval");
            mergeMaxInterval = Objects.requireNonNull(max, "mergeMaxInterval");
            return this;
        }

        public MembershipSettings build() {
            require(nodeName != null && !nodeName.isBlank(), "nodeName: " + nodeName + " (expected: a unique name)");
            require(bindAddress != null && !bindAddress.isBlank(),
                    "bindAddress: " + bindAddress + " (expected: the cluster interface's address)");
            require(port > 0 && port < 65536, "port: " + port + " (expected: 1..65535)");
            require(!peers.isEmpty(), "peers: [] (expected: every member's host:port, this node included)");
            for (String peer : peers) {
                int colon = peer.lastIndexOf(':');
                require(colon > 0 && peer.substring(colon + 1).matches("\\d{1,5}"),
                        "peers: " + peer + " (expected: host:port)");
            }
            require(secret != null && secret.length >= MIN_SECRET_BYTES,
                    "secret: " + (secret == null ? "none" : secret.length + " bytes") + " (expected: >= "
                            + MIN_SECRET_BYTES + " bytes)");
            require(positive(heartbeatInterval), "heartbeatInterval: " + heartbeatInterval + " (expected: > 0)");
            require(heartbeatInterval.compareTo(failureTimeout) < 0,
                    "heartbeatInterval: " + heartbeatInterval + " (expected: < failureTimeout " + failureTimeout + ")");
            require(positive(verifyTimeout), "verifyTimeout: " + verifyTimeout + " (expected: > 0)");
            require(positive(mergeMinInterval) && mergeMinInterval.compareTo(mergeMaxInterval) <= 0,
                    "mergeMinInterval: " + mergeMinInterval + " (expected: > 0 and <= mergeMaxInterval "
                            + mergeMaxInterval + ")");
            return new MembershipSettings(clusterName, nodeName, bindAddress, port, peers, secret, heartbeatInterval,
                    failureTimeout, verifyTimeout, mergeMinInterval, mergeMaxInterval);
        }

        private static boolean positive(Duration d) {
            return !d.isNegative() && !d.isZero();
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
