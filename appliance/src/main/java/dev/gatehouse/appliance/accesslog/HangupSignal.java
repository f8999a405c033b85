package dev.gatehouse.appliance.accesslog;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP reopens the access log, as logrotate's {@code postrotate} expects of a daemon
 * ({@code systemctl kill -s HUP gatehouse}). Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}):
 * the JDK has no supported signal API, and this one has been stable since Java 1.3. Installing a handler
 * also stops the JVM's default reaction to SIGHUP, which is to shut down. Only {@code gatehouse serve}
 * installs it, never a node started inside a test JVM.
 */
public final class HangupSignal {

    private static final Logger log = LoggerFactory.getLogger(HangupSignal.class);

    private HangupSignal() {
    }

    /** Runs {@code onHangup} on the JVM's signal thread at every SIGHUP; false when the platform has none. */
    public static boolean install(Runnable onHangup) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                try {
                    onHangup.run();
                } catch (RuntimeException e) {
                    log.warn("event=sighup_failed cause={}", e.toString());
                }
            });
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.warn("event=sighup_unavailable cause={}", e.toString());
            return false;
        }
    }
}
