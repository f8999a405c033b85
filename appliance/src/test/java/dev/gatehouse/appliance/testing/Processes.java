package dev.gatehouse.appliance.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Stopping the helper processes the tests start (servers, browsers, daemons). */
public final class Processes {

    /** How long a process killed with SIGKILL is waited for. */
    private static final Duration KILLED = Duration.ofSeconds(10);

    private Processes() {
    }

    /**
     * SIGTERM, and SIGKILL if the process has not exited within {@code grace}; then waits (boundedly)
     * for the killed process to be gone.
     */
    public static void stop(Process process, Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(KILLED.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
