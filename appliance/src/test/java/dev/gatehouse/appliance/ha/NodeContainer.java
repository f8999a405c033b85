package dev.gatehouse.appliance.ha;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Capability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * One Gatehouse node in a container: {@code serve} under a small supervisor that plays systemd
 * (ExecStopPost = {@code release-vips}), NET_ADMIN and NET_RAW for the netlink VIP driver, a fixed
 * address on the lab network. Its console listens on loopback and is reached with curl inside the
 * container, so it answers even while the node is cut off from the network.
 */
final class NodeContainer extends GenericContainer<NodeContainer> {

    static final String DATA_DIR = "/var/lib/gatehouse";
    private static final String AUTH_HEADER = "/run/console-auth";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INET = Pattern.compile("inet (\\d+\\.\\d+\\.\\d+\\.\\d+)/");

    final String name;
    final String address;
    final List<String> log = new CopyOnWriteArrayList<>();

    NodeContainer(Network network, String name, String address, String yaml, byte[] clusterKey, byte[] jgroupsSecret,
            Path jar) {
        super(DockerImageName.parse(DockerEngine.IMAGE));
        this.name = name;
        this.address = address;
        withNetwork(network);
        withNetworkAliases(name);
        withCreateContainerCmdModifier(cmd -> {
            cmd.withHostName(name).withIpv4Address(address);
            cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN, Capability.NET_RAW);
        });
        withLabel(HaLab.LABEL, "node");
        withEnv("JAVA_OPTS", "-Xms128m -Xmx256m -Dgatehouse.warmup.handshakes=0"); // restarts are what is measured here
        withCopyFileToContainer(MountableFile.forHostPath(jar), "/opt/gatehouse/gatehouse.jar");
        withCopyFileToContainer(MountableFile.forClasspathResource("dev/gatehouse/appliance/ha/supervisor.sh", 0755),
                "/opt/gatehouse/supervisor.sh");
        withCopyToContainer(Transferable.of(yaml), "/etc/gatehouse/gatehouse.yaml");
        withCopyToContainer(Transferable.of(clusterKey, 0600), "/etc/gatehouse/cluster.key");
        withCopyToContainer(Transferable.of(jgroupsSecret, 0600), "/etc/gatehouse/jgroups.secret");
        withCommand("/opt/gatehouse/supervisor.sh");
        withLogConsumer(frame -> log.add(frame.getUtf8StringWithoutLineEnding()));
        waitingFor(Wait.forLogMessage(".*event=node_ready.*", 1).withStartupTimeout(Duration.ofSeconds(180)));
    }

    /** The VIPs among {@code vips} on this container's eth0 now (none when it is not running). */
    List<String> heldVips(List<String> vips) {
        List<String> held = new ArrayList<>();
        if (!isRunning() || paused()) {
            return held;
        }
        String out = exec("ip", "-4", "-o", "addr", "show", "dev", "eth0");
        Matcher m = INET.matcher(out);
        while (m.find()) {
            if (vips.contains(m.group(1))) {
                held.add(m.group(1));
            }
        }
        return held;
    }

    boolean paused() {
        Boolean p = getDockerClient().inspectContainerCmd(getContainerId()).exec().getState().getPaused();
        return Boolean.TRUE.equals(p);
    }

    /**
     * Makes the cluster's admin token (created by whichever node initialised the store, in its
     * data directory only) the one this node's console calls send.
     */
    void useAdminToken(String token) {
        copyFileToContainer(Transferable.of("Authorization: Bearer " + token, 0600), AUTH_HEADER);
    }

    /** The admin token, if this node wrote it (the node that initialised the cluster's store). */
    java.util.Optional<String> adminToken() {
        try {
            ExecResult r = execInContainer("cat", DATA_DIR + "/admin.token");
            return r.getExitCode() == 0 ? java.util.Optional.of(r.getStdout().trim()) : java.util.Optional.empty();
        } catch (Exception e) {
            return java.util.Optional.empty();
        }
    }

    /** GET /v1/status with the admin token, through curl inside the container. */
    JsonNode status() {
        return console("GET", "/v1/status", null);
    }

    /** Calls the console as admin; {@code body} (JSON) is copied in first. Fails unless 2xx. */
    JsonNode console(String method, String path, String body) {
        StringBuilder cmd = new StringBuilder("curl -sS --max-time 10 -w '\\n%{http_code}' --cacert ")
                .append(DATA_DIR).append("/console/console.crt -H @").append(AUTH_HEADER).append(" -X ").append(method);
        if (body != null) {
            copyFileToContainer(Transferable.of(body.getBytes(StandardCharsets.UTF_8), 0600), "/tmp/console-body.json");
            cmd.append(" -H 'Content-Type: application/json' --data-binary @/tmp/console-body.json");
        }
        cmd.append(" https://127.0.0.1:9443").append(path);
        String out = exec("bash", "-c", cmd.toString());
        int nl = out.lastIndexOf('\n');
        int status = Integer.parseInt(out.substring(nl + 1).trim());
        if (status / 100 != 2) {
            throw new AssertionError(name + ": " + method + " " + path + " -> " + status + " " + out.substring(0, nl));
        }
        try {
            return nl <= 0 ? null : JSON.readTree(out.substring(0, nl));
        } catch (Exception e) {
            throw new AssertionError(name + ": " + method + " " + path + ": not JSON: " + out, e);
        }
    }

    /** Runs a command in the container; fails unless it exits 0. */
    String exec(String... command) {
        try {
            ExecResult r = execInContainer(command);
            if (r.getExitCode() != 0) {
                throw new AssertionError(name + ": " + String.join(" ", command) + " -> " + r.getExitCode() + "\n"
                        + r.getStdout() + r.getStderr());
            }
            return r.getStdout();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (java.io.IOException e) {
            throw new AssertionError(name + ": cannot exec " + String.join(" ", command), e);
        }
    }

    /**
     * Stops the node's JVM as {@code systemctl stop} would (SIGTERM: step-down, then the listeners
     * close) and waits until it has exited; the container (the "host") stays up.
     */
    void stopJvm(Duration atMost) {
        long exits = logCount("event=edge_stopped");
        exec("bash", "-c", "kill -TERM \"$(cat /run/gatehouse.pid)\"");
        await().atMost(atMost).pollInterval(Duration.ofMillis(100))
                .until(() -> logCount("event=edge_stopped") > exits
                        && !exec("bash", "-c", "kill -0 \"$(cat /run/gatehouse.pid)\" 2>/dev/null && echo up || true")
                                .contains("up"));
    }

    /** Starts the node's JVM again after {@link #stopJvm} (output into the container log) and waits until it is ready. */
    void startJvm(Duration atMost) {
        long ready = logCount("event=node_ready");
        exec("bash", "-c", "java ${JAVA_OPTS:-} -jar /opt/gatehouse/gatehouse.jar serve --config /etc/gatehouse/gatehouse.yaml"
                + " </dev/null >/proc/1/fd/1 2>&1 & echo $! > /run/gatehouse.pid");
        await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> logCount("event=node_ready") > ready);
    }

    /** When this node claimed {@code vip} (epoch ms of each {@code event=vip_claimed} line). */
    List<Long> claimTimes(String vip) {
        List<Long> out = new ArrayList<>();
        for (String line : log) {
            if (line.contains("event=vip_claimed vip=" + vip + "/")) {
                out.add(java.time.Instant.parse(line.substring(0, line.indexOf(' '))).toEpochMilli());
            }
        }
        return out;
    }

    /** How many log lines match {@code regex}. */
    long logCount(String regex) {
        Pattern p = Pattern.compile(regex);
        return log.stream().filter(l -> p.matcher(l).find()).count();
    }

    /** The first log line matching {@code regex} (index in {@link #log}), or -1. */
    int logIndex(String regex) {
        Pattern p = Pattern.compile(regex);
        for (int i = 0; i < log.size(); i++) {
            if (p.matcher(log.get(i)).find()) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return name;
    }
}
