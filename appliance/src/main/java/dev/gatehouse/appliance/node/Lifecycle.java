package dev.gatehouse.appliance.node;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Parts started in order and closed in reverse, from one list of {@link AutoCloseable}s instead of a
 * ladder of null checks. A part whose start fails closes the parts started before it (last first)
 * and fails with a {@link PartStartException} that names it; a close that throws does not stop the
 * closes after it, and each failure is returned to the caller to report.
 *
 * <p>Not thread-safe: one thread starts the parts and, later, one thread closes them. Closing empties
 * the list, so a second {@link #closeAll} closes nothing.
 */
final class Lifecycle {

    /** Starts one part; returns what closes it, or null when the part is off in this configuration. */
    @FunctionalInterface
    interface Starter<T extends AutoCloseable> {
        T start() throws Exception;
    }

    /** A part whose close threw, and what it threw. */
    record CloseFailure(String part, Throwable cause) {
    }

    private record Started(String name, AutoCloseable part) {
    }

    private final String owner;
    private final Deque<Started> started = new ArrayDeque<>();
    private final List<String> names = new ArrayList<>();

    /** @param owner what the parts belong to, named by the error of a failed close ({@code node}, {@code ha}) */
    Lifecycle(String owner) {
        this.owner = owner;
    }

    /**
     * Starts {@code name} and remembers it for {@link #closeAll}. When the start throws, every part
     * started before it is closed, last first, and the failure names the part; an {@link Error} is
     * rethrown as it is, after the same closes.
     */
    <T extends AutoCloseable> T start(String name, Starter<T> starter) throws PartStartException {
        T part;
        try {
            part = starter.start();
        } catch (Error e) {
            closeAll().forEach(f -> e.addSuppressed(f.cause()));
            throw e;
        } catch (Exception e) {
            PartStartException p = PartStartException.of(name, e);
            closeAll().forEach(f -> p.addSuppressed(f.cause()));
            throw p;
        }
        names.add(name);
        if (part != null) {
            started.push(new Started(name, part));
        }
        return part;
    }

    /** The parts started so far, in start order (those that were off included). */
    List<String> started() {
        return List.copyOf(names);
    }

    /** Closes every started part, last started first; every close runs, whatever the others threw. */
    List<CloseFailure> closeAll() {
        List<CloseFailure> failed = new ArrayList<>();
        while (!started.isEmpty()) {
            Started s = started.pop();
            try {
                s.part().close();
            } catch (Exception | Error e) {
                failed.add(new CloseFailure(s.name(), e));
            }
        }
        names.clear();
        return failed;
    }

    /**
     * {@link #closeAll}, for a part that owns a lifecycle of its own: the failures become one
     * exception that names them (the first as its cause, the others suppressed).
     */
    void close() throws PartCloseException {
        List<CloseFailure> failed = closeAll();
        if (!failed.isEmpty()) {
            throw PartCloseException.of(owner, failed);
        }
    }
}
