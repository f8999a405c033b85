package dev.gatehouse.cluster.store;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers store change events after the store's lock is released, in the order the changes were
 * made. A write queues its event while it holds the lock (so the queue's order is the order of the
 * writes, per key and overall) and calls {@link #deliver()} once it has released it: a listener may
 * then call back into the store, from its own thread or by handing work to another, without
 * deadlocking on the store's lock, and it reads the state the event announces (or a newer one).
 *
 * <p>One thread delivers at a time, so listeners still never run concurrently with each other. A
 * write whose thread finds no delivery under way delivers its own event (and any queued before it)
 * before it returns. A write that finds another thread delivering does not wait for it: that thread
 * delivers the new event next. Waiting there is what would deadlock when the delivering listener is
 * itself waiting for the writer (a lock the writer holds, or work handed to the writer's thread); a
 * listener that writes from its own thread likewise gets its event delivered when it returns.
 */
final class ChangeDispatcher {

    private static final Logger log = LoggerFactory.getLogger(ChangeDispatcher.class);

    private final List<StoreListener> listeners = new CopyOnWriteArrayList<>();
    /** Guarded by {@code this}. */
    private final ArrayDeque<Consumer<StoreListener>> queue = new ArrayDeque<>();
    private Thread delivering;

    void addListener(StoreListener listener) {
        listeners.add(listener);
    }

    /** Queues an event; call while holding the store's lock, then {@link #deliver()} after releasing it. */
    synchronized void queue(Consumer<StoreListener> event) {
        queue.add(event);
    }

    /**
     * Delivers every queued event, unless another thread is delivering (it then delivers these too,
     * right after the ones queued before them); must not be called holding the store's lock.
     */
    void deliver() {
        synchronized (this) {
            if (delivering != null) {
                return; // another thread (or, from a listener, this one) is delivering: it takes ours next
            }
            delivering = Thread.currentThread();
        }
        boolean done = false;
        try {
            while (true) {
                Consumer<StoreListener> event;
                synchronized (this) {
                    event = queue.poll();
                    if (event == null) {
                        delivering = null; // in the same block as the empty poll: nothing queued is left behind
                        notifyAll(); // awaitIdle
                        done = true;
                        return;
                    }
                }
                for (StoreListener l : listeners) {
                    try {
                        event.accept(l);
                    } catch (RuntimeException e) {
                        log.error("event=store_listener_failed listener={} cause={}", l.getClass().getName(),
                                e.toString());
                    }
                }
            }
        } finally {
            if (!done) {
                synchronized (this) {
                    delivering = null; // an Error out of a listener: the next write delivers what is left
                    notifyAll();
                }
            }
        }
    }

    /**
     * Waits until every event queued so far has been delivered and no delivery is under way: what a
     * write that returned while another thread was delivering announced has reached every listener.
     * Must not be called from a listener (it would wait for its own delivery).
     *
     * @return false when that did not happen within {@code timeoutMillis}
     */
    synchronized boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        if (delivering == Thread.currentThread()) {
            throw new IllegalStateException("awaitIdle called from a store listener");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        // queued but not delivering: a write between its queue() and its deliver(); it delivers next
        while (delivering != null || !queue.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Events queued and not yet taken for delivery. */
    synchronized int queued() {
        return queue.size();
    }
}
