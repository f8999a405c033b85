package dev.gatehouse.cluster.grid;

import java.util.List;
import java.util.Objects;

/**
 * How a node joins the grid.
 *
 * @param clusterName Hazelcast cluster name (nodes with another name never join)
 * @param bindHost    the address Hazelcast binds and advertises (the cluster interface)
 * @param port        Hazelcast port (5701 on an appliance)
 * @param members     every member's {@code host:port}, this node included (explicit TCP join,
 *                    multicast off)
 */
public record GridSettings(String clusterName, String bindHost, int port, List<String> members) {

    public GridSettings {
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(bindHost, "bindHost");
        members = List.copyOf(members);
    }
}
