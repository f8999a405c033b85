package dev.gatehouse.cluster;

import java.util.concurrent.ThreadFactory;

/**
 * Thread factories for the single-threaded executors of this module and the appliance (a duty, a
 * timer, a controller): daemon threads, so that none of them holds the JVM open once the
 * appliance's main thread ends.
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
}
