package dev.gatehouse.appliance.core;

import java.util.concurrent.ThreadFactory;

/**
 * Threads for a part's own executor: daemon threads (a part that was not closed never keeps the JVM
 * alive) with the name the part's log lines and thread dumps show.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** A factory of daemon threads all called {@code name}: for a single-threaded executor. */
    public static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
