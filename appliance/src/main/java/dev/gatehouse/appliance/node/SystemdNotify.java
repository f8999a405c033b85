package dev.gatehouse.appliance.node;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readiness for systemd's {@code Type=notify}: tells the service manager when the node is ready
 * ({@code READY=1}) and when it begins to stop ({@code STOPPING=1}).
 *
 * <p>Only when {@code $NOTIFY_SOCKET} is set (that is, when systemd started this process with
 * {@code Type=notify}); otherwise every call does nothing, so tests and {@code ./gatehouse demo}
 * are unaffected.
 *
 * <p>The notification is a datagram on a unix socket, and the JDK cannot send unix datagrams
 * (JDK 16+ has unix <em>stream</em> channels only). Rather than add native code, the node runs
 * {@code systemd-notify} (package {@code systemd}), which sends the datagram and, since systemd 246,
 * waits until the service manager has processed it, so the message is not lost when the short-lived
 * helper exits. The message comes from the helper's pid, hence {@code NotifyAccess=all} in
 * {@code gatehouse.service}; {@code --pid} names this JVM as the main pid. A failure is logged and
 * otherwise ignored: without {@code READY=1} systemd fails the start after {@code TimeoutStartSec}.
 */
public final class SystemdNotify {

    private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);
    private static final long WAIT_SECONDS = 10;

    private SystemdNotify() {
    }

    /** {@code READY=1}: the listeners are bound, the store is loaded, the console answers. */
    public static void ready() {
        send("--ready", "--pid=" + ProcessHandle.current().pid(), "--status=serving");
    }

    /** {@code STOPPING=1}: the node is draining and closing. */
    public static void stopping() {
        send("--status=stopping", "STOPPING=1");
    }

    /** Whether the process was started by systemd with a notification socket. */
    public static boolean enabled() {
        String socket = System.getenv("NOTIFY_SOCKET");
        return socket != null && !socket.isEmpty();
    }

    private static void send(String... args) {
        if (!enabled()) {
            return;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add("systemd-notify");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                log.warn("event=systemd_notify_timeout args={} after_s={}", String.join(" ", args), WAIT_SECONDS);
            } else if (p.exitValue() != 0) {
                log.warn("event=systemd_notify_failed args={} exit={}", String.join(" ", args), p.exitValue());
            } else {
                log.info("event=systemd_notified args={}", String.join(" ", args));
            }
        } catch (IOException e) {
            log.warn("event=systemd_notify_failed args={} cause={}", String.join(" ", args), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
