package dev.gatehouse.cluster.store;

import java.util.ArrayDeque;
import java.util.List;
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
 * <p>One thread delivers at a time. A writer whose event another thread is delivering waits until
 * that delivery is done, so a write still returns only after its listeners ran (callers rely on
 * that); a listener that writes to the store from its own thread does not wait (its event is
 * delivered when the listener returns, after the events queued before it).
 */
final class ChangeDispatcher {

    private static final Logger log = LoggerFactory.getLogger(ChangeDispatcher.class);

    private final List<StoreListener> listeners = new CopyOnWriteArrayList<>();
    /** Guarded by {@code this}. */
    private final ArrayDeque<Consumer<StoreListener>> queue = new ArrayDeque<>();
    private long queued;
    private long delivered;
    private Thread delivering;

    void addListener(StoreListener listener) {
        listeners.add(listener);
    }

    /** Queues an event; call while holding the store's lock, then {@link #deliver()} after releasing it. */
    synchronized void queue(Consumer<StoreListener> event) {
        queue.add(event);
        queued++;
    }

    /** Delivers every queued event, or waits until the thread delivering them has; must not hold the store's lock. */
    void deliver() {
        long mine;
        synchronized (this) {
            mine = queued;
            if (delivering == Thread.currentThread()) {
                return; // a listener wrote: its event follows, after the one being delivered
            }
            boolean interrupted = false;
            while (delivering != null && delivered < mine) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (delivered >= mine) {
                return;
            }
            delivering = Thread.currentThread();
        }
        try {
            while (true) {
                Consumer<StoreListener> event;
                synchronized (this) {
                    event = queue.poll();
                    if (event == null) {
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
                synchronized (this) {
                    delivered++;
                    notifyAll();
                }
            }
        } finally {
            synchronized (this) {
                delivering = null;
                notifyAll();
            }
        }
    }
}
