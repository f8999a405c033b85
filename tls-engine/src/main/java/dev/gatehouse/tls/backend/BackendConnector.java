package dev.gatehouse.tls.backend;

import dev.gatehouse.tls.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive HTTP/1.1 connections to backend servers, pooled per event loop: a frontend connection
 * only ever uses backend connections of its own event loop, so the pool needs no lock and bytes never
 * cross threads (Netty's proxy example, and Zuul 2, do the same).
 *
 * <p>Host names are resolved by the given resolver group (asynchronous DNS), never by the JDK
 * resolver on the event loop. The pools are keyed by {@link BackendServer} object, which a router
 * rebuild carries over for a server that stays; {@link #retire} drops the pools of servers that are
 * gone, so the map holds only servers of the current routing table.
 *
 * <p>A pool that sends a PROXY protocol header ({@link ProxyProtocolMode}) does not use these shared
 * pools: each of its connections names one client, so it is kept per client connection
 * ({@link ClientBackends}) and closed with it. While idle, such a connection is also listed by server
 * in its event loop's {@link LoopPools#clientIdle}, so that {@link #retire} closes it too.
 */
public final class BackendConnector {

    /** Handler names in a backend pipeline. */
    public static final String CODEC = "http-client-codec";
    public static final String IDLE = "idle";
    public static final String BACKEND_HANDLER = "backend";

    private final Transport transport;
    private final AddressResolverGroup<InetSocketAddress> resolver;
    private final int connectTimeoutMillis;
    private final long idleTimeoutMillis;
    private final int maxHeaderSize;
    private final int maxIdlePerServer;
    /** Stands for "no idle connections here"; never added to. */
    private static final ArrayDeque<Channel> EMPTY = new ArrayDeque<>(0);
    private final FastThreadLocal<LoopPools> idle = new FastThreadLocal<>() {
        @Override
        protected LoopPools initialValue() {
            return new LoopPools();
        }
    };
    /** Each event loop's pools, registered on first use, so {@link #retire} can reach them from any thread. */
    private final Map<EventLoop, LoopPools> loops = new ConcurrentHashMap<>();

    /** One event loop's idle connections; touched only on that loop. */
    private static final class LoopPools {
        /** The shared pools, by server (connections without a PROXY header). */
        final Map<BackendServer, ArrayDeque<Channel>> shared = new HashMap<>();
        /** The idle connections kept by client connections ({@link ClientBackends}), by server. */
        final Map<BackendServer, Set<Channel>> clientIdle = new HashMap<>();

        void clientIdle(BackendServer server, Channel ch, boolean idle) {
            if (idle) {
                clientIdle.computeIfAbsent(server, k -> new HashSet<>(4)).add(ch);
                return;
            }
            Set<Channel> set = clientIdle.get(server);
            if (set != null && set.remove(ch) && set.isEmpty()) {
                clientIdle.remove(server);
            }
        }
    }

    /**
     * @param resolver resolves backend host names (see {@link BackendResolver}); IP literals skip it
     */
    public BackendConnector(Transport transport, AddressResolverGroup<InetSocketAddress> resolver,
            int connectTimeoutMillis, long idleTimeoutMillis, int maxHeaderSize, int maxIdlePerServer) {
        this.transport = transport;
        this.resolver = java.util.Objects.requireNonNull(resolver, "resolver");
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.maxHeaderSize = maxHeaderSize;
        this.maxIdlePerServer = maxIdlePerServer;
    }

    /** A connection that was reused from the pool or freshly connected. */
    public record Lease(Channel channel, boolean reused) {
    }

    /**
     * Takes an idle connection to {@code server} owned by {@code loop}, or connects a new one.
     * Must be called on {@code loop}. For a pool without a PROXY header ({@link ProxyProtocolMode#OFF}).
     */
    public Future<Lease> acquire(BackendServer server, EventLoop loop) {
        Channel pooled = pollActive(server, idleOf(loop).shared.get(server));
        if (pooled != null) {
            return loop.newSucceededFuture(new Lease(pooled, true));
        }
        return connect(server, loop, null, ProxyProtocolMode.OFF);
    }

    /**
     * Like {@link #acquire(BackendServer, EventLoop)} for a request of {@code client} (its TCP
     * connection, on whose event loop this must be called). With a PROXY header mode the connection
     * is {@code client}'s alone: reused only from its own idle connections, opened with the header
     * naming it, and closed when {@code client} closes (see {@link ClientBackends}).
     */
    public Future<Lease> acquire(BackendServer server, Channel client, ProxyProtocolMode mode) {
        if (mode == ProxyProtocolMode.OFF) {
            return acquire(server, client.eventLoop());
        }
        ClientBackends mine = ClientBackends.of(client);
        Channel pooled = pollActive(server, mine.idle(server, mode, false));
        if (pooled != null) {
            idleOf(client.eventLoop()).clientIdle(server, pooled, false);
            return client.eventLoop().newSucceededFuture(new Lease(pooled, true));
        }
        return connect(server, client.eventLoop(), client, mode);
    }

    /** The most recently pooled connection of {@code deque} still open, or null; closed ones are dropped. */
    private static Channel pollActive(BackendServer server, ArrayDeque<Channel> deque) {
        while (deque != null && !deque.isEmpty()) {
            Channel ch = deque.pollLast();
            server.idleChanged(-1);
            if (ch.isActive()) {
                server.connectionReused();
                return ch;
            }
        }
        return null;
    }

    /** A new connection; {@code client} non-null: it starts with a {@code mode} header naming that client. */
    private Future<Lease> connect(BackendServer server, EventLoop loop, Channel client, ProxyProtocolMode mode) {
        Promise<Lease> promise = loop.newPromise();
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channel(transport.clientChannel())
                .resolver(resolver)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(CODEC, new HttpClientCodec(4096, maxHeaderSize, 16 * 1024))
                                .addLast(IDLE, new IdleStateHandler(0, 0, idleTimeoutMillis, TimeUnit.MILLISECONDS))
                                .addLast(BACKEND_HANDLER, new BackendHandler());
                    }
                })
                .connect(server.address());
        connect.addListener(f -> {
            if (f.isSuccess()) {
                Channel ch = connect.channel();
                server.connectionOpened();
                if (client != null) {
                    ClientBackends.of(client).opened(ch, mode);
                    BackendProxyHeader.write(ch, BackendProxyHeader.forClient(mode, client));
                }
                ch.closeFuture().addListener(c -> {
                    server.connectionClosed();
                    if (idleOf(ch, server).remove(ch)) { // on the channel's own loop
                        server.idleChanged(-1);
                    }
                    if (client != null) {
                        idleOf(ch.eventLoop()).clientIdle(server, ch, false);
                    }
                });
                promise.trySuccess(new Lease(ch, false));
            } else {
                server.connectFailed();
                promise.tryFailure(f.cause());
            }
        });
        return promise;
    }
    /** Puts a connection whose exchange ended cleanly back into its event loop's pool. */
    public void release(BackendServer server, Channel ch) {
        if (!ch.isActive() || !ch.eventLoop().inEventLoop()) {
            ch.close();
            return;
        }
        if (server.retired()) {
            ch.close(); // the server left the routing table while this exchange ran
            return;
        }
        ClientBackends.Owned owned = ClientBackends.owner(ch);
        if (owned != null && owned.owner().closed()) {
            ch.close(); // its client connection is gone
            return;
        }
        LoopPools pools = idleOf(ch.eventLoop());
        ArrayDeque<Channel> deque = owned != null ? owned.owner().idle(server, owned.mode(), true)
                : pools.shared.computeIfAbsent(server, k -> new ArrayDeque<>());
        if (deque.size() >= maxIdlePerServer) {
            ch.close();
            return;
        }
        deque.addLast(ch);
        server.idleChanged(1);
        if (owned != null) {
            pools.clientIdle(server, ch, true);
        }
        ch.read(); // keep a read pending so a close by the backend is noticed while idle
    }

    /**
     * Drops the pools of servers that left the routing table: their idle connections close, on
     * their own event loops, the ones kept by client connections too. Call after {@link BackendServer#retire()}, so that a connection
     * released later is closed instead of pooled.
     */
    public void retire(Collection<BackendServer> gone) {
        if (gone.isEmpty()) {
            return;
        }
        List<BackendServer> servers = List.copyOf(gone);
        loops.forEach((loop, pools) -> loop.execute(() -> {
            for (BackendServer s : servers) {
                ArrayDeque<Channel> deque = pools.shared.remove(s);
                if (deque != null) {
                    for (Channel ch : deque) {
                        s.idleChanged(-1);
                        ch.close();
                    }
                }
                Set<Channel> kept = pools.clientIdle.remove(s);
                if (kept != null) {
                    for (Channel ch : kept) {
                        if (idleOf(ch, s).remove(ch)) {
                            s.idleChanged(-1);
                        }
                        ch.close();
                    }
                }
            }
        }));
    }

    /** Servers with a pool on some event loop (for tests: servers that are gone must not stay). */
    int pooledServers() {
        return (int) loops.values().stream().mapToLong(p -> p.shared.size() + p.clientIdle.size()).sum();
    }

    /** Where {@code ch} waits while idle: its client's connections, or its loop's shared pool (possibly empty). */
    private ArrayDeque<Channel> idleOf(Channel ch, BackendServer server) {
        ClientBackends.Owned owned = ClientBackends.owner(ch);
        ArrayDeque<Channel> deque = owned != null ? owned.owner().idle(server, owned.mode(), false)
                : idle.get().shared.get(server);
        return deque != null ? deque : EMPTY;
    }

    private LoopPools idleOf(EventLoop loop) {
        LoopPools pools = idle.get();
        if (!loops.containsKey(loop)) {
            loops.put(loop, pools);
        }
        return pools;
    }
}
