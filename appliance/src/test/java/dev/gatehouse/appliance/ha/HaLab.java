package dev.gatehouse.appliance.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network.Ipam;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * The failover lab on one Docker engine: a bridge network 198.18.64.0/24, a backend (python's
 * http.server) at .20, a client (curl, openssl) at .50, and before each test a fresh pair of nodes,
 * lb1 at .11 and lb2 at .12, sharing VIP .100 (preferred owner lb1) and .101 (preferred lb2). Each
 * pair gets the tenant certificate for {@value #HOST} through lb1's console. Container logs of each
 * test are written to target/ha-it/&lt;test&gt;/.
 */
final class HaLab implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    static final String LABEL = "dev.gatehouse.it";
    static final String SUBNET = "198.18.64.0/24";
    static final String VIP_1 = "198.18.64.100";
    static final String VIP_2 = "198.18.64.101";
    static final List<String> VIPS = List.of(VIP_1, VIP_2);
    static final String HOST = "app.tenant.test";
    static final String BACKEND_TEXT = "gatehouse-it-backend";
    private static final String LB1 = "198.18.64.11";
    private static final String LB2 = "198.18.64.12";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DemoPki pki = DemoPki.create("VipFailoverIT CA");
    private final DemoPki.Issued tenantCert = pki.issueEc(HOST);
    private Network network;
    private GenericContainer<?> backend;
    private GenericContainer<?> client;
    private Path jar;
    private Path logDir;
    NodeContainer lb1;
    NodeContainer lb2;
    private int hammerWorkers;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        DockerEngine.get(context);
        jar = Path.of(System.getProperty("gatehouse.jar", "target/gatehouse.jar")).toAbsolutePath();
        assertThat(jar).as("the shaded jar (mvn package first)").isRegularFile();
        removeLeftovers();
        network = Network.builder().driver("bridge").createNetworkCmdModifier(cmd -> cmd
                .withLabels(Map.of(LABEL, "network"))
                .withIpam(new Ipam().withConfig(new Ipam.Config().withSubnet(SUBNET).withGateway("198.18.64.1"))))
                .build();
        backend = helper("backend", "198.18.64.20")
                .withCopyToContainer(Transferable.of(BACKEND_TEXT + "\n"), "/srv/index.html")
                .withCommand("python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory", "/srv", "8081");
        client = helper("client", "198.18.64.50")
                .withCopyToContainer(Transferable.of(Pem.certificates(List.of(pki.caCertificate()))), "/ca.pem")
                .withCommand("sleep", "infinity");
        Startables.deepStart(backend, client).join();
    }

    private GenericContainer<?> helper(String name, String address) {
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(DockerEngine.IMAGE));
        return c.withNetwork(network).withNetworkAliases(name).withLabel(LABEL, name)
                .withCreateContainerCmdModifier(cmd -> cmd.withHostName(name).withIpv4Address(address));
    }

    /** Containers and networks of an earlier run of this test that died before cleaning up (no Ryuk here). */
    private static void removeLeftovers() {
        DockerClient docker = DockerClientFactory.instance().client();
        for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(LABEL)).exec()) {
            docker.removeContainerCmd(c.getId()).withForce(true).exec();
        }
        for (com.github.dockerjava.api.model.Network n : docker.listNetworksCmd().exec()) {
            if (n.getLabels() != null && n.getLabels().containsKey(LABEL)) {
                docker.removeNetworkCmd(n.getId()).exec();
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (GenericContainer<?> c : new GenericContainer<?>[] {client, backend}) {
            if (c != null) {
                c.stop();
            }
        }
        if (network != null) {
            network.close();
        }
    }

    /** A fresh pair, both ready, VIPs placed, the tenant certificate served by both. */
    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        logDir = Path.of("target", "ha-it", context.getRequiredTestMethod().getName());
        Files.createDirectories(logDir);
        byte[] clusterKey = random(32);
        byte[] secret = random(32);
        lb1 = new NodeContainer(network, "lb1", LB1, yaml("lb1", LB1), clusterKey, secret, jar);
        lb2 = new NodeContainer(network, "lb2", LB2, yaml("lb2", LB2), clusterKey, secret, jar);
        Startables.deepStart(lb1, lb2).join();
        String token = lb1.adminToken().or(lb2::adminToken)
                .orElseThrow(() -> new AssertionError("neither node wrote " + NodeContainer.DATA_DIR + "/admin.token"));
        lb1.useAdminToken(token);
        lb2.useAdminToken(token);
        awaitSettled(Duration.ofSeconds(60));
        lb1.console("POST", "/v1/tenants", "{\"id\":\"tenant\"}");
        lb1.console("POST", "/v1/tenants/tenant/domains", "{\"name\":\"*.tenant.test\"}");
        Map<String, Object> cert = new LinkedHashMap<>();
        cert.put("tenant", "tenant");
        cert.put("certificatePem", new String(Pem.certificates(tenantCert.chain()), StandardCharsets.US_ASCII));
        cert.put("privateKeyPem", new String(Pem.privateKey(tenantCert.key()), StandardCharsets.US_ASCII));
        lb1.console("POST", "/v1/certificates", JSON.writeValueAsString(cert));
        for (String vip : VIPS) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(https(vip)).contains(BACKEND_TEXT));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (NodeContainer n : new NodeContainer[] {lb1, lb2}) {
            if (n == null) {
                continue;
            }
            Files.write(logDir.resolve(n.name + ".log"), n.log);
            if (n.getContainerId() != null && n.paused()) {
                n.getDockerClient().unpauseContainerCmd(n.getContainerId()).exec();
            }
            n.stop();
        }
    }

    private String yaml(String name, String address) {
        return String.join("\n",
                "node: {name: " + name + ", dataDir: '" + NodeContainer.DATA_DIR + "'}",
                "listeners: {https: '0.0.0.0:8443', http: '0.0.0.0:8080', redirectHttp: false, monitorPath: '/'}",
                "console: {listen: '127.0.0.1:9443'}",
                "proxy: {drainTimeout: 2s}",
                "pools: [{name: app, servers: ['198.18.64.20:8081']}]",
                "defaultPool: app",
                "cluster:",
                "  enabled: true",
                "  name: vip-failover-it",
                "  bind: '" + address + ":5701'",
                "  members: ['" + LB1 + ":5701', '" + LB2 + ":5701']",
                "  keyFile: /etc/gatehouse/cluster.key",
                "  membership:",
                "    port: 7800",
                "    peers: ['" + LB1 + ":7800', '" + LB2 + ":7800']",
                "    secretFile: /etc/gatehouse/jgroups.secret",
                "    ha:",
                "      driver: netlink",
                "      interface: eth0",
                "      failback: 2s",
                "      vips:",
                "        - {address: " + VIP_1 + "/24, preferredOwner: lb1}",
                "        - {address: " + VIP_2 + "/24, preferredOwner: lb2}",
                "");
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    // ---- what the lab looks like ----------------------------------------------------------------

    /** The running nodes that hold each VIP on eth0 (a paused or dead node is not asked). */
    Map<String, List<String>> holders() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        VIPS.forEach(v -> out.put(v, new ArrayList<>()));
        for (NodeContainer n : List.of(lb1, lb2)) {
            for (String v : n.heldVips(VIPS)) {
                out.get(v).add(n.name);
            }
        }
        return out;
    }

    /** Each VIP's owner in a node's /v1/status. */
    static Map<String, String> owners(NodeContainer n) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode v : n.status().path("cluster").path("ha").path("vips")) {
            String address = v.path("address").asText().replaceFirst("/.*", "");
            out.put(address, v.path("owner").isNull() ? null : v.path("owner").asText());
        }
        return out;
    }

    /**
     * Until both nodes see both in their view, agree on the owner of each VIP, each VIP is on
     * exactly its owner's interface, and each node's status says it holds what it owns, without
     * an error (a claim whose announcement failed counts as not done).
     */
    void awaitSettled(Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            for (NodeContainer n : List.of(lb1, lb2)) {
                JsonNode status = n.status().path("cluster");
                assertThat(status.path("membership").path("members").toString())
                        .as(n + "'s view").contains("lb1").contains("lb2");
                for (JsonNode v : status.path("ha").path("vips")) {
                    assertThat(v.path("heldHere").asBoolean()).as(n + ": heldHere of " + v)
                            .isEqualTo(n.name.equals(v.path("owner").asText()));
                    assertThat(v.path("lastError").isNull()).as(n + ": lastError of " + v).isTrue();
                }
            }
            Map<String, String> owners = owners(lb1);
            assertThat(owners(lb2)).as("owners in lb2's status vs lb1's").isEqualTo(owners);
            Map<String, List<String>> holders = holders();
            for (String vip : VIPS) {
                assertThat(owners.get(vip)).as("owner of " + vip).isIn("lb1", "lb2");
                assertThat(holders.get(vip)).as("holders of " + vip + " (owner " + owners.get(vip) + ")")
                        .containsExactly(owners.get(vip));
            }
        });
    }

    // ---- the client --------------------------------------------------------------------------------

    /** GET https://app.tenant.test:8443/ at {@code vip}, verified against the test CA: the body. */
    String https(String vip) {
        return clientExec("curl", "-sS", "--max-time", "3", "--resolve", HOST + ":8443:" + vip, "--cacert", "/ca.pem",
                "https://" + HOST + ":8443/");
    }

    /** The leaf certificate's subject that {@code vip} serves for SNI app.tenant.test, verified. */
    String servedSubject(String vip) {
        String out = clientExec("bash", "-c", "timeout 5 openssl s_client -connect " + vip + ":8443 -servername " + HOST
                + " -CAfile /ca.pem -verify_return_error </dev/null 2>&1");
        assertThat(out).as("openssl s_client to " + vip).contains("Verify return code: 0 (ok)");
        return out.lines().filter(l -> l.startsWith("subject=")).findFirst().orElse("");
    }

    /** X-Node of GET http://vip:8080/ (the monitor path): which node answers at {@code vip}. */
    Optional<String> nodeAt(String vip) {
        String headers = clientExec("curl", "-sS", "--max-time", "2", "-o", "/dev/null", "-D", "-", "http://" + vip + ":8080/");
        return headers.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("x-node:"))
                .map(l -> l.substring("x-node:".length()).trim()).findFirst();
    }

    /**
     * Starts {@code workers} loops in the client, each one HTTPS request at a time to {@code vip}
     * (a new TCP and TLS connection each, {@code --max-time 3}), until {@link #stopHammer} or
     * {@code seconds} have passed.
     */
    void startHammer(String vip, int workers, int seconds) {
        String script = String.join("\n",
                "#!/bin/bash",
                "# hammer.sh WORKER VIP SECONDS: one request at a time until /tmp/hammer.stop or SECONDS; one line per failure",
                "w=$1 vip=$2 end=$(( $(date +%s) + $3 )) n=0 ok=0",
                ": > /tmp/hammer.$w.failures",
                "while [ ! -e /tmp/hammer.stop ] && [ \"$(date +%s)\" -lt \"$end\" ]; do",
                "    t0=$(date +%s%3N) rc=0",
                "    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --cacert /ca.pem \\",
                "        --resolve " + HOST + ":8443:$vip https://" + HOST + ":8443/) || rc=$?",
                "    n=$((n + 1))",
                "    if [ \"$rc\" = 0 ] && [ \"$code\" = 200 ]; then ok=$((ok + 1));",
                "    else echo \"$t0 $(date +%s%3N) $vip curl_exit=$rc http=$code\" >> /tmp/hammer.$w.failures; fi",
                "done",
                "echo \"$n $ok\" > /tmp/hammer.$w.tmp && mv /tmp/hammer.$w.tmp /tmp/hammer.$w.result",
                "");
        client.copyFileToContainer(Transferable.of(script, 0755), "/hammer.sh");
        clientExec("bash", "-c", "rm -f /tmp/hammer.*; for w in $(seq 1 " + workers + "); do "
                + "/hammer.sh $w " + vip + " " + seconds + " </dev/null >/dev/null 2>&1 & done");
        hammerWorkers = workers;
    }

    /** Stops the loops of {@link #startHammer}: requests made, and one line per failed one. */
    Hammered stopHammer() {
        clientExec("touch", "/tmp/hammer.stop");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> clientExec("bash", "-c",
                "ls /tmp/hammer.*.result 2>/dev/null | wc -l").trim().equals(String.valueOf(hammerWorkers)));
        long requests = 0;
        long ok = 0;
        for (String line : clientExec("bash", "-c", "cat /tmp/hammer.*.result").strip().split("\n")) {
            String[] f = line.trim().split(" ");
            requests += Long.parseLong(f[0]);
            ok += Long.parseLong(f[1]);
        }
        List<String> failures = clientExec("bash", "-c", "cat /tmp/hammer.*.failures").lines().filter(l -> !l.isBlank())
                .toList();
        return new Hammered(requests, ok, failures);
    }

    /** What {@link #stopHammer} found: requests made, succeeded, and each failure ("start_ms end_ms vip curl_exit http"). */
    record Hammered(long requests, long ok, List<String> failures) {
    }

    private String clientExec(String... command) {
        try {
            org.testcontainers.containers.Container.ExecResult r = client.execInContainer(command);
            if (r.getExitCode() != 0) {
                throw new AssertionError("client: " + String.join(" ", command) + " -> " + r.getExitCode() + " "
                        + r.getStderr() + r.getStdout());
            }
            return r.getStdout();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    // ---- what happens to lb1 ----------------------------------------------------------------------------

    DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    /** Cuts {@code n} off the lab network (its eth0 disappears, as with a pulled cable plus more). */
    void disconnect(NodeContainer n) {
        docker().disconnectFromNetworkCmd().withNetworkId(network.getId()).withContainerId(n.getContainerId())
                .withForce(true).exec();
    }

    /**
     * Connects {@code n} again with its address. Docker names the new interface eth1 (it numbers a
     * container's interfaces on, never reusing eth0); a host whose NIC comes back keeps its name, so
     * the interface is renamed eth0 to match the node's configuration.
     */
    void reconnect(NodeContainer n) {
        docker().connectToNetworkCmd().withNetworkId(network.getId()).withContainerId(n.getContainerId())
                .withContainerNetwork(new ContainerNetwork().withAliases(n.name)
                        .withIpamConfig(new ContainerNetwork.Ipam().withIpv4Address(n.address)))
                .exec();
        n.exec("bash", "-c", "dev=$(ip -o -4 addr show to " + n.address + " | awk '{print $2}'); "
                + "[ \"$dev\" = eth0 ] || { ip link set \"$dev\" down && ip link set \"$dev\" name eth0 && ip link set eth0 up; }");
    }
}
