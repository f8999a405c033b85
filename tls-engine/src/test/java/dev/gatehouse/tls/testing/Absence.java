package dev.gatehouse.tls.testing;

import java.time.Duration;

/**
 * Checks that something does NOT happen. Arrival can be awaited ({@code await().until(...)}); absence
 * cannot: the only evidence is a window of time in which whatever would wrongly happen (a duplicate
 * delivery, an early answer, a second report) has had its chance and did not. These methods make such
 * windows visible as what they are, instead of a bare {@code Thread.sleep}, and say how long and why.
 *
 * <p>A window proves nothing about what would come after it; keep it a few ticks of the loop in
 * question, not more.
 */
public final class Absence {

    private static final long POLL_MILLIS = 20;

    private Absence() {
    }

    /** An assertion that may throw (AssertJ, or any check). */
    @FunctionalInterface
    public interface Check {
        void run() throws Exception;
    }

    /**
     * Runs {@code check} repeatedly for {@code window} and once more at its end: it must hold all
     * along (fails at the first break, so a wrong arrival fails fast).
     */
    public static void assertHoldsFor(Duration window, Check check) throws Exception {
        long end = System.nanoTime() + window.toNanos();
        do {
            check.run();
            Thread.sleep(POLL_MILLIS);
        } while (System.nanoTime() - end < 0);
        check.run();
    }

    /**
     * Lets {@code window} pass so that what would still arrive (named in {@code what}) has had its
     * chance; the assertions that follow the call are the absence check.
     */
    public static void waitOut(Duration window, String what) throws InterruptedException {
        if (what == null || what.isBlank()) {
            throw new IllegalArgumentException("name what the window lets arrive");
        }
        Thread.sleep(window.toMillis());
    }
}
