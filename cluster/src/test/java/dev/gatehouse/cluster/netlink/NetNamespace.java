package dev.gatehouse.cluster.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away network namespace holding a veth pair {@code gh0}/{@code gh1} (both up), and one
 * thread of this JVM moved into it with setns(2): network namespaces are per thread, so the code
 * under test runs in the JVM, on that thread, without touching the host's interfaces.
 *
 * <p>The namespace is made by {@code unshare --net sleep 120}: it vanishes once that process ends
 * and the thread is gone, even if this JVM dies (the sleep bounds it). Set-up uses {@code ip}
 * (the code under test does not). Needs root, {@code unshare}, {@code nsenter} and {@code ip};
 * without them the test is skipped loudly, except in CI ({@code CI=true} or
 * {@code GATEHOUSE_REQUIRE_TOOLS=1}) where it fails.
 */
final class NetNamespace implements AutoCloseable {

    static final String IFACE = "gh0";
    static final String PEER = "gh1";

    /** The two calls tests need beyond {@link LibC}. */
    interface NsLibC extends Library {
        NsLibC INSTANCE = Native.load("c", NsLibC.class);
        int O_RDONLY = 0;
        int CLONE_NEWNET = 0x40000000;

        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private final Process holder;
    private final String nsPath;
    private final ExecutorService thread;

    private NetNamespace(Process holder, String nsPath, ExecutorService thread) {
        this.holder = holder;
        this.nsPath = nsPath;
        this.thread = thread;
    }

    static NetNamespace create() throws Exception {
        requireSetup();
        Path self = Files.readSymbolicLink(Path.of("/proc/self/ns/net")); // e.g. net:[4026531840]
        Process holder = new ProcessBuilder("unshare", "--net", "sleep", "120").redirectErrorStream(true).start();
        String nsPath = "/proc/" + holder.pid() + "/ns/net";
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netns-" + holder.pid());
            t.setDaemon(true);
            return t;
        });
        NetNamespace ns = new NetNamespace(holder, nsPath, thread);
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> !holder.isAlive()
                    || !Files.readSymbolicLink(Path.of(nsPath)).equals(self));
            if (!holder.isAlive()) {
                String out = new String(holder.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                skipOrFail("unshare --net failed here (" + out.trim() + ")");
            }
            ns.call(() -> {
                int fd = NsLibC.INSTANCE.open(nsPath, NsLibC.O_RDONLY);
                try {
                    NsLibC.INSTANCE.setns(fd, NsLibC.CLONE_NEWNET);
                } finally {
                    NsLibC.INSTANCE.close(fd);
                }
                return null;
            });
            assertThat(ns.call(() -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net"))))
                    .as("the namespace thread has moved").isNotEqualTo(self);
            ns.ip("link", "set", "lo", "up");
            ns.ip("link", "add", IFACE, "type", "veth", "peer", "name", PEER);
            ns.ip("link", "set", IFACE, "up");
            ns.ip("link", "set", PEER, "up");
        } catch (Exception | AssertionError e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** Runs {@code task} on the thread inside the namespace (bounded to 10 s). */
    <T> T call(Callable<T> task) throws Exception {
        try {
            return thread.submit(task).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Runs {@code ip ARGS} inside the namespace and returns its output; fails on a non-zero exit. */
    String ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=" + nsPath, "ip"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
        return out;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        holder.destroyForcibly();
    }

    private static void requireSetup() throws Exception {
        for (String tool : List.of("unshare", "nsenter", "ip")) {
            if (!onPath(tool)) {
                skipOrFail(tool + " is not installed (apt-get install util-linux iproute2)");
            }
        }
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        id.waitFor(5, TimeUnit.SECONDS);
        if (!uid.equals("0")) {
            skipOrFail("not root (uid " + uid + "): creating a network namespace and veth pair needs root");
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (new File(dir, program).canExecute()) {
                return true;
            }
        }
        return new File("/usr/sbin", program).canExecute() || new File("/sbin", program).canExecute();
    }

    static void skipOrFail(String why) {
        boolean ci = "true".equals(System.getenv("CI")) || "1".equals(System.getenv("GATEHOUSE_REQUIRE_TOOLS"));
        if (ci) {
            throw new AssertionError("netlink tests must run in CI, but " + why);
        }
        System.err.println("SKIPPED netlink test: " + why + "; run as root (or .ci/run) to run it");
        assumeTrue(false, why);
    }
}
