package dev.gatehouse.appliance.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The set-up that the multi-node ITs share, so that each test shows only what it varies: a random
 * cluster key and JGroups secret in the test's directory, a free loopback port per node for its
 * Hazelcast member and its JGroups peer, the {@code cluster:} block of each node's configuration, the
 * nodes started first-alone (the first node creates the cluster's admin token in its data directory,
 * the others find it in the store), and the tenant with a wildcard claim most of them serve.
 *
 * <p>Each test still writes the rest of its nodes' configuration itself (listeners, pools, the
 * intervals it shortens), since that is what it is about.
 */
public final class NodeCluster implements AutoCloseable {

    /** HTTPS and the console on free loopback ports, no plain HTTP listener. */
    public static final String LOOPBACK = "listeners: {https: '127.0.0.1:0', http: 'off'}\n"
            + "console: {listen: '127.0.0.1:0'}";

    /**
     * {@link #LOOPBACK} with metrics on a free loopback port too, and a drain of 1 s so that a node
     * stops at once: what most multi-node ITs start from.
     */
    public static final String LOOPBACK_WITH_METRICS = LOOPBACK + "\n"
            + "metrics: {listen: '127.0.0.1:0'}\n"
            + "proxy: {drainTimeout: 1s}";

    public final Path dir;
    public final Path clusterKey;
    public final Path secret;
    /** The Hazelcast member of each node, {@code 127.0.0.1:port}. */
    public final List<String> members = new ArrayList<>();
    /** The JGroups peer of each node, {@code 127.0.0.1:port}. */
    public final List<String> peers = new ArrayList<>();
    public final List<NodeProcess> nodes = new ArrayList<>();
    private final String name;
    private String admin;

    private NodeCluster(Path dir, String prefix, int size) throws Exception {
        this.dir = dir;
        this.name = prefix + dir.getFileName();
        this.clusterKey = Files.write(dir.resolve("cluster.key"), random(32));
        this.secret = Files.write(dir.resolve("jgroups.secret"), random(32));
        for (int i = 0; i < size; i++) {
            members.add("127.0.0.1:" + NodeFixtures.freePort());
            peers.add("127.0.0.1:" + NodeFixtures.freePort());
        }
    }

    /** {@code size} nodes' ports and keys under {@code dir}; the cluster is named {@code prefix} + the directory's name. */
    public static NodeCluster of(Path dir, String prefix, int size) throws Exception {
        return new NodeCluster(dir, prefix, size);
    }

    /** The Hazelcast port of node {@code i} (0-based). */
    public int memberPort(int i) {
        return port(members.get(i));
    }

    /** Node {@code i}'s {@code cluster:} block: the grid only (its member, every member, the cluster key). */
    public String grid(int i) {
        return grid(i, clusterKey, null);
    }

    /** The same with other key files (a key rotation): {@code previousKeyFile} may be null. */
    public String grid(int i, Path keyFile, Path previousKeyFile) {
        return String.join("\n",
                "cluster:",
                "  enabled: true",
                "  name: " + name,
                "  bind: '" + members.get(i) + "'",
                "  members: " + quoted(members),
                "  keyFile: '" + keyFile + "'",
                previousKeyFile == null ? "" : "  previousKeyFile: '" + previousKeyFile + "'\n");
    }

    /**
     * Node {@code i}'s {@code cluster:} block with the JGroups membership (its peer port, every peer,
     * the secret), then {@code membershipLines} indented under {@code membership:} (an {@code ha:}).
     */
    public String withMembership(int i, String... membershipLines) {
        List<String> lines = new ArrayList<>(List.of(grid(i).stripTrailing(),
                "  membership:",
                "    port: " + port(peers.get(i)),
                "    peers: " + quoted(peers),
                "    secretFile: '" + secret + "'"));
        Arrays.stream(membershipLines).map(l -> "    " + l).forEach(lines::add);
        lines.add("");
        return String.join("\n", lines);
    }

    /** A node process in {@code dir/node<n>} (n counts from 1) with this configuration; not started. */
    public NodeProcess add(String yaml) throws Exception {
        NodeProcess n = new NodeProcess(dir.resolve("node" + (nodes.size() + 1)), yaml);
        nodes.add(n);
        return n;
    }

    /**
     * Starts the first node alone and waits until it is ready (it creates the admin token), then
     * starts the others together and waits for each; returns the cluster's admin token.
     */
    public String startFirstAloneThenTheRest() throws Exception {
        nodes.get(0).start().awaitReady();
        for (NodeProcess n : nodes.subList(1, nodes.size())) {
            n.start();
        }
        for (NodeProcess n : nodes.subList(1, nodes.size())) {
            n.awaitReady();
        }
        admin = Files.readString(nodes.get(0).dataDir.resolve("admin.token")).trim();
        return admin;
    }

    /**
     * Adds {@code count} nodes, node i configured by {@code yaml.apply(i)}, starts them first-alone,
     * and creates {@code tenant} claiming {@code wildcard} ({@link #tenantWithDomain}); returns the
     * admin token.
     */
    public String startWithTenant(int count, IntFunction<String> yaml, String tenant, String wildcard)
            throws Exception {
        for (int i = 0; i < count; i++) {
            add(yaml.apply(i));
        }
        startFirstAloneThenTheRest();
        tenantWithDomain(tenant, wildcard);
        return admin;
    }

    public String admin() {
        return admin;
    }

    /** Through the first node: {@code POST /v1/tenants} (201), then {@code wildcard} claimed under it (200). */
    public void tenantWithDomain(String tenant, String wildcard) throws Exception {
        ConsoleClient c = nodes.get(0).console();
        assertThat(c.call("POST", "/v1/tenants", admin, "{\"id\":\"" + tenant + "\"}").status()).isEqualTo(201);
        assertThat(c.call("POST", "/v1/tenants/" + tenant + "/domains", admin, "{\"name\":\"" + wildcard + "\"}")
                .status()).isEqualTo(200);
    }

    /** Through the first node: {@code POST /v1/tenants} (201), then {@code wildcard} as a verified domain (200 or 201). */
    public void tenantWithVerifiedDomain(String tenant, String wildcard) throws Exception {
        ConsoleClient c = nodes.get(0).console();
        assertThat(c.call("POST", "/v1/tenants", admin, "{\"id\":\"" + tenant + "\"}").status()).isEqualTo(201);
        assertThat(c.call("POST", "/v1/domains", admin,
                "{\"name\":\"" + wildcard + "\",\"tenant\":\"" + tenant + "\",\"verified\":true}").status())
                .isIn(200, 201);
    }

    @Override
    public void close() throws Exception {
        for (NodeProcess n : nodes) {
            n.close();
        }
    }

    private static String quoted(List<String> addresses) {
        return "[" + String.join(", ", addresses.stream().map(a -> "'" + a + "'").toList()) + "]";
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
