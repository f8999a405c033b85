package dev.gatehouse.tls.server;

import dev.gatehouse.tls.proxy.DrainEvent;
import io.netty.channel.Channel;
import io.netty.channel.ChannelId;
import io.netty.channel.group.ChannelGroup;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the client connections on one local address (a VIP about to move to another node) while
 * the listeners keep serving every other address: new connections to it are held off
 * ({@link ListenerFilter}), open ones are asked to finish ({@link DrainEvent}: an idle HTTP/1.1
 * keep-alive connection answers a request already on its way with {@code Connection: close} or
 * closes after a short grace, a request in flight gets {@code Connection: close}, HTTP/2 gets the
 * two-step GOAWAY of {@link Http2Drain}, a connection still in its TLS handshake is drained when
 * the handshake completes), and the caller waits, bounded, until none is left.
 */
final class AddressDrain {

    private static final Logger log = LoggerFactory.getLogger(AddressDrain.class);
    private static final long POLL_MS = 10;

    private final ChannelGroup frontends;
    private final Supplier<List<Channel>> listeners;
    private final Set<Inet4Address> draining = new LinkedHashSet<>();

    AddressDrain(ChannelGroup frontends, Supplier<List<Channel>> listeners) {
        this.frontends = frontends;
        this.listeners = listeners;
    }

    /**
     * Holds off new connections to {@code address}, asks the open ones to finish and waits until
     * none is open, at most {@code limit}.
     *
     * @return the connections to {@code address} still open at the end
     */
    int drain(InetAddress address, Duration limit) throws InterruptedException {
        long t0 = System.nanoTime();
        boolean filtered = address instanceof Inet4Address a4 && filter(a4, true);
        Set<ChannelId> told = new HashSet<>();
        long deadline = t0 + limit.toNanos();
        int open;
        int emptyPolls = 0;
        while (true) {
            open = 0;
            for (Channel ch : on(address)) {
                open++;
                if (told.add(ch.id())) { // told once: one still in its handshake is drained when it completes
                    ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE));
                }
            }
            // two empty polls in a row: a connection the kernel has accepted but Netty not yet picked
            // up shows up in the second
            emptyPolls = open == 0 ? emptyPolls + 1 : 0;
            if (emptyPolls >= 2 || System.nanoTime() >= deadline) {
                break;
            }
            Thread.sleep(POLL_MS);
        }
        log.info("event=address_drained address={} new_connections_held_off={} told={} open_left={} took_ms={}",
                address.getHostAddress(), filtered, told.size(), open, (System.nanoTime() - t0) / 1_000_000);
        return open;
    }

    /** Takes new connections to {@code address} again. */
    void resume(InetAddress address) {
        if (address instanceof Inet4Address a4) {
            filter(a4, false);
        }
    }

    /** Adds or removes {@code address} in the listeners' drop filter; whether new connections are held off. */
    private synchronized boolean filter(Inet4Address address, boolean add) {
        boolean changed = add ? draining.add(address) : draining.remove(address);
        if (!changed && !add) {
            return false;
        }
        boolean all = true;
        List<Inet4Address> dropped = new ArrayList<>(draining);
        for (Channel l : listeners.get()) {
            try {
                all &= ListenerFilter.apply(l, dropped);
            } catch (RuntimeException e) {
                log.error("event=listener_filter_failed listener={} addresses={} error=\"{}\"", l.localAddress(), dropped,
                        e.getMessage());
                all = false;
            }
        }
        if (!all && add) {
            log.warn("event=listener_filter_unavailable address={} (new connections to it are still taken while it "
                    + "drains: epoll transport on Linux needed)", address.getHostAddress());
        }
        return all;
    }

    private List<Channel> on(InetAddress address) {
        List<Channel> out = new ArrayList<>();
        for (Channel ch : frontends) {
            if (ch.localAddress() instanceof InetSocketAddress local && address.equals(local.getAddress())) {
                out.add(ch);
            }
        }
        return out;
    }
}
