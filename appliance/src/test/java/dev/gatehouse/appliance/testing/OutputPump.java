package dev.gatehouse.appliance.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads a child process's output line by line on a daemon thread until the process ends, so that
 * its pipe never fills and stalls it; the fixtures keep the lines for their readiness checks and
 * failure messages.
 */
public final class OutputPump {

    private OutputPump() {
    }

    /** Starts reading {@code process}'s standard output (with its errors, if redirected there) into {@code onLine}. */
    public static void start(Process process, Consumer<String> onLine) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    onLine.accept(line);
                }
            } catch (Exception ignored) {
                // process ended
            }
        });
        t.setDaemon(true);
        t.start();
    }
}
