package dev.gatehouse.appliance.ha;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.appliance.testing.Processes;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Docker engine for the container tests, and the test image. When no engine answers, starts
 * Debian's {@code dockerd} the way ops/check.sh does (bridge 198.19.0.1/24, no iptables, its own
 * exec root and pid file, data root in the shared cache) and stops it again when the test run ends;
 * an engine that was already running is used and left alone. The image is the Debian 12 root that
 * {@code ops/test-image.sh} builds with mmdebstrap and imports (shared with ops/check.sh).
 *
 * <p>A missing piece (no docker.io, no mmdebstrap, not root) skips loudly, or fails under
 * {@code GATEHOUSE_REQUIRE_TOOLS=1} (CI), like {@code dev.gatehouse.tls.testing.Tools}.
 */
final class DockerEngine implements ExtensionContext.Store.CloseableResource {

    static final String IMAGE = "gatehouse-ops-test:bookworm";

    private final Path repo;
    private final Path workDir;
    private Process dockerd;

    private DockerEngine(Path repo, Path workDir) {
        this.repo = repo;
        this.workDir = workDir;
    }

    /** The engine for this run: started (or found) once, closed when the root context closes. */
    static DockerEngine get(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.create(DockerEngine.class))
                .getOrComputeIfAbsent("engine", k -> start(), DockerEngine.class);
    }

    private static DockerEngine start() {
        Path module = Path.of("").toAbsolutePath();
        Path repo = Files.isDirectory(module.resolve("ops")) ? module : module.getParent();
        DockerEngine e = new DockerEngine(repo, module.resolve("target").resolve("ha-it"));
        try {
            Files.createDirectories(e.workDir);
            e.up();
            e.image();
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
        return e;
    }

    private void up() throws IOException {
        require(onPath("docker"), "the docker client is not installed (apt-get install docker.io)");
        if (answers()) {
            return;
        }
        require(onPath("dockerd"), "no Docker engine answers and dockerd is not installed (apt-get install docker.io)");
        require(isRoot(), "no Docker engine answers and starting dockerd needs root");
        Path log = workDir.resolve("dockerd.log");
        String cache = System.getenv().getOrDefault("GATEHOUSE_OPS_CACHE", "/var/cache/gatehouse-ops");
        dockerd = new ProcessBuilder("dockerd", "--iptables=false", "--ip-masq=false", "--bip", "198.19.0.1/24",
                "--data-root", cache + "/docker", "--exec-root", "/run/gatehouse-ops-docker",
                "--pidfile", "/run/gatehouse-ops-docker.pid")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Process started = dockerd;
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> !started.isAlive() || answers());
        } catch (ConditionTimeoutException e) {
            // reported below
        }
        if (!answers()) {
            close();
            throw new AssertionError("dockerd did not come up in 60 s; see " + log + ":\n" + Files.readString(log));
        }
        System.err.println("VipFailoverIT: started dockerd (pid " + dockerd.pid() + "), log " + log);
    }

    private void image() throws IOException {
        if (run(List.of("docker", "image", "inspect", IMAGE), 30) == 0) {
            return;
        }
        require(onPath("mmdebstrap") || Files.isRegularFile(cacheTar()),
                "the test image " + IMAGE + " is absent and mmdebstrap is not installed (apt-get install mmdebstrap)");
        Path log = workDir.resolve("test-image.log");
        System.err.println("VipFailoverIT: building " + IMAGE + " with ops/test-image.sh (minutes on a fresh machine)");
        int rc = run(new ProcessBuilder("bash", repo.resolve("ops/test-image.sh").toString(), IMAGE)
                .redirectErrorStream(true).redirectOutput(log.toFile()), 1200);
        if (rc != 0) {
            throw new AssertionError("ops/test-image.sh failed (" + rc + "):\n" + Files.readString(log));
        }
    }

    private static Path cacheTar() {
        return Path.of(System.getenv().getOrDefault("GATEHOUSE_OPS_CACHE", "/var/cache/gatehouse-ops"), "bookworm.tar");
    }

    /** Stops the dockerd this run started, if any; an engine found running is left alone. */
    @Override
    public void close() {
        if (dockerd == null) {
            return;
        }
        try {
            Processes.stop(dockerd, Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dockerd = null;
    }

    private static boolean answers() {
        return run(List.of("docker", "version", "--format", "{{.Server.Version}}"), 20) == 0;
    }

    private static boolean isRoot() {
        try {
            Process p = new ProcessBuilder("id", "-u").start();
            String uid = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return p.waitFor(5, TimeUnit.SECONDS) && "0".equals(uid);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int run(List<String> command, long timeoutSeconds) {
        return run(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD),
                timeoutSeconds);
    }

    private static int run(ProcessBuilder pb, long timeoutSeconds) {
        try {
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (new File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    /** Skips loudly, or fails when {@code GATEHOUSE_REQUIRE_TOOLS=1}. */
    private static void require(boolean present, String why) {
        if (!present && "1".equals(System.getenv("GATEHOUSE_REQUIRE_TOOLS"))) {
            throw new AssertionError("VipFailoverIT needs Docker (GATEHOUSE_REQUIRE_TOOLS=1): " + why);
        }
        if (!present) {
            System.err.println("SKIPPED: VipFailoverIT: " + why + "; run .ci/run (as root) to run it");
        }
        assumeTrue(present, why);
    }
}
