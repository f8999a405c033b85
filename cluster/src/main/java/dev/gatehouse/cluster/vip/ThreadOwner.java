package dev.gatehouse.cluster.vip;

import dev.gatehouse.cluster.DaemonThreads;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread allowed to change a part's mutable state. Each part of the VIP manager asserts it
 * at every entry point that mutates ({@code assert owner.isCurrent() : owner.violation()}): tests
 * run with assertions on, so a change made from the wrong thread fails there instead of losing an
 * update under load; in production the check costs nothing. A violation is also logged and counted
 * ({@link #violations}), because an {@link AssertionError} on an executor thread ends up in a future
 * nobody reads.
 */
final class ThreadOwner {

    private static final Logger log = LoggerFactory.getLogger(ThreadOwner.class);
    private static final AtomicLong VIOLATIONS = new AtomicLong();

    private final String part;
    private final AtomicReference<Thread> thread = new AtomicReference<>();

    private ThreadOwner(String part) {
        this.part = part;
    }

    /** An owner for {@code part} (named in violations), bound by {@link #factory} or on first check. */
    static ThreadOwner of(String part) {
        return new ThreadOwner(part);
    }

    /** A factory of daemon threads called {@code name}; the thread it creates becomes the owner. */
    ThreadFactory factory(String name) {
        ThreadFactory daemons = DaemonThreads.named(name);
        return r -> {
            Thread t = daemons.newThread(r);
            thread.set(t);
            return t;
        };
    }

    /**
     * Whether the calling thread is the owner. For a thread this package does not create (the
     * membership controller), the first thread to ask becomes the owner.
     */
    boolean isCurrent() {
        Thread me = Thread.currentThread();
        return thread.compareAndSet(null, me) || thread.get() == me;
    }

    /** Makes the calling thread the owner: for {@code close()}, once the owner's executor has stopped. */
    void takeOver() {
        thread.set(Thread.currentThread());
    }

    /** The assertion's message; counts and logs the violation (only evaluated when the check fails). */
    String violation() {
        Thread t = thread.get();
        String message = part + " state changed on thread " + Thread.currentThread().getName() + " (owner: "
                + (t == null ? "none" : t.getName()) + ")";
        VIOLATIONS.incrementAndGet();
        log.error("event=vip_thread_violation part=\"{}\" thread={} owner={}", part, Thread.currentThread().getName(),
                t == null ? "none" : t.getName());
        return message;
    }

    /** Violations seen in this JVM so far (a test checks that its run added none). */
    static long violations() {
        return VIOLATIONS.get();
    }
}
