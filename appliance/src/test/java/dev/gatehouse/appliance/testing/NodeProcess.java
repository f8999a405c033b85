package dev.gatehouse.appliance.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A node as a real process of the packaged jar ({@code serve --config}), its log kept in memory. */
public final class NodeProcess implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("event=node_ready .* https=(\\d+) console=(\\d+)");

    public final Path dataDir;
    private final Path config;
    private Process process;
    public final List<String> log = new CopyOnWriteArrayList<>();
    public int httpsPort;
    public int consolePort;

    public NodeProcess(Path dir, String yaml) throws Exception {
        this.dataDir = dir.resolve("data");
        Files.createDirectories(dir);
        this.config = Files.writeString(dir.resolve("gatehouse.yaml"),
                "node: {name: '" + dir.getFileName() + "', dataDir: '" + dataDir + "'}\n" + yaml);
    }

    /** Starts the process; {@link #awaitReady()} waits for it. */
    public NodeProcess start() throws Exception {
        log.clear();
        List<String> cmd = TestJvm.launcher();
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jarPath().toString(), "serve", "--config", config.toString()));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        OutputPump.start(process, line -> {
            log.add(line);
            Matcher m = READY.matcher(line);
            if (m.find()) {
                httpsPort = Integer.parseInt(m.group(1));
                consolePort = Integer.parseInt(m.group(2));
            }
        });
        return this;
    }

    /** The packaged jar: {@code -Dgatehouse.jar=...}, else {@code target/gatehouse.jar} of the appliance module. */
    private static Path jarPath() {
        String p = System.getProperty("gatehouse.jar");
        return p != null ? Path.of(p) : Path.of("target", "gatehouse.jar");
    }

    public NodeProcess awaitReady() throws Exception {
        return awaitReady(300);
    }

    /** Waits up to {@code seconds} for the node's ready line (a node loading a million certificates needs more). */
    public NodeProcess awaitReady(long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (consolePort == 0) {
            if (!process.isAlive()) {
                throw new AssertionError("node exited: " + String.join("\n", log));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("node not ready after " + seconds + " s: " + String.join("\n", log));
            }
            Thread.sleep(50);
        }
        return this;
    }

    /** Resident set size of the node process, in KiB (0 when unknown). */
    public long rssKb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            return 0;
        }
        return 0;
    }

    /** JVM options for the next {@link #start()}, after {@link TestJvm#options()}; they replace the default heap. */
    public NodeProcess jvm(String... options) {
        this.jvmOptions = List.of(options);
        return this;
    }

    private List<String> jvmOptions = List.of("-Xmx" + System.getProperty("gatehouse.node.heap", "256m"));

    public ConsoleClient console() throws Exception {
        return new ConsoleClient(dataDir, consolePort);
    }

    /** SIGKILL: no shutdown hook runs. */
    public void kill9() throws Exception {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
        consolePort = 0;
    }

    /** SIGTERM, then wait for the orderly stop. */
    public void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        consolePort = 0;
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
