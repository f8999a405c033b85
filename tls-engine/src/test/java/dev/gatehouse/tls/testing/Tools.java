package dev.gatehouse.tls.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real client programs (openssl, curl, h2load) for system tests. A missing tool skips the test
 * loudly, except in CI ({@code GATEHOUSE_REQUIRE_TOOLS=1}) where it fails: .ci/run installs them.
 */
public final class Tools {

    private Tools() {
    }

    /** Skips (or, in CI, fails) unless the named program is on the PATH. */
    public static void require(String program) {
        boolean present = which(program);
        if (!present && "1".equals(System.getenv("GATEHOUSE_REQUIRE_TOOLS"))) {
            throw new AssertionError(program + " is required (GATEHOUSE_REQUIRE_TOOLS=1) but not installed");
        }
        if (!present) {
            System.err.println("SKIPPED: " + program + " is not installed; install it (apt-get install "
                    + program + ") or run .ci/run to run this test");
        }
        assumeTrue(present, program + " is not installed");
    }

    static boolean which(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (new java.io.File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    /** Result of a finished process. */
    public record Result(int exitCode, String stdout, String stderr) {
        public String all() {
            return stdout + "\n" + stderr;
        }
    }

    /** Runs a command with the given stdin, waiting at most {@code timeoutSeconds}. */
    public static Result run(List<String> command, byte[] stdin, long timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(command).start();
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException ignored) {
                // the program may exit before reading its input
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread a = pump(p.getInputStream(), out);
            Thread b = pump(p.getErrorStream(), err);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeoutSeconds + "s: " + command);
            }
            a.join(5000);
            b.join(5000);
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream out) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(out);
            } catch (IOException ignored) {
                // process ended
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }
}
