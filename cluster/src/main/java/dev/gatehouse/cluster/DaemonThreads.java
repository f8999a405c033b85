package dev.gatehouse.cluster;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Thread factories for the single-threaded executors of this module and the appliance (a duty, a
 * timer, a controller): daemon threads, so that none of them holds the JVM open once the
 * appliance's main thread ends; and the stop of such an executor at close.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** A factory of daemon threads, each called {@code name} (an executor here has one thread). */
    public static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Stops {@code executor} at close: interrupts the task in progress and waits up to {@code timeout}
     * for its thread to end. An interrupt of the caller ends the wait and stays set.
     */
    public static void stop(ExecutorService executor, Duration timeout) {
        executor.shutdownNow();
        try {
            executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
