package dev.gatehouse.cluster.membership;

import dev.gatehouse.cluster.DaemonThreads;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single thread on which membership (and, later, VIP) decisions run, one at a time and in
 * the order they were enqueued. JGroups callbacks only enqueue work here and return, so they never
 * block the channel's threads; whatever runs here may take its time without holding JGroups up.
 * A task that throws is logged and the next one runs.
 */
public final class Controller implements Executor, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    private final String name;
    private final ExecutorService executor;

    private Controller(String name) {
        this.name = name;
        this.executor = Executors.newSingleThreadExecutor(DaemonThreads.named(name));
    }

    /** A controller whose thread is called {@code name}. */
    public static Controller named(String name) {
        return new Controller(name);
    }

    @Override
    public void execute(Runnable task) {
        executor.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("controller={} task failed; continuing with the next one", name, e);
            }
        });
    }

    /** Lets queued tasks finish (up to 5 s) and stops the thread. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("controller={} still busy after 5 s; interrupting", name);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
