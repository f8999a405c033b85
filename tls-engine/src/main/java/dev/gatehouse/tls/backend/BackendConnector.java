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
import java.util.List;
import java.util.Map;
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
    private final FastThreadLocal<Map<BackendServer, ArrayDeque<Channel>>> idle = new FastThreadLocal<>() {
        @Override
        protected Map<BackendServer, ArrayDeque<Channel>> initialValue() {
            return new HashMap<>();
        }
    };
    /** Each event loop's pools, registered on first use, so {@link #retire} can reach them from any thread. */
    private final Map<EventLoop, Map<BackendServer, ArrayDeque<Channel>>> loops = new ConcurrentHashMap<>();

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
     * Must be called on {@code loop}.
     */
    public Future<Lease> acquire(BackendServer server, EventLoop loop) {
        ArrayDeque<Channel> deque = idleOf(loop).get(server);
        while (deque != null && !deque.isEmpty()) {
            Channel ch = deque.pollLast();
            server.idleChanged(-1);
            if (ch.isActive()) {
                server.connectionReused();
                return loop.newSucceededFuture(new Lease(ch, true));
            }
        }
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
                ch.closeFuture().addListener(c -> {
                    server.connectionClosed();
                    ArrayDeque<Channel> pooled = idle.get().get(server); // on the channel's own loop
                    if (pooled != null && pooled.remove(ch)) {
                        server.idleChanged(-1);
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
        Map<BackendServer, ArrayDeque<Channel>> map = idleOf(ch.eventLoop());
        ArrayDeque<Channel> deque = map.computeIfAbsent(server, k -> new ArrayDeque<>());
        if (deque.size() >= maxIdlePerServer) {
            ch.close();
            return;
        }
        deque.addLast(ch);
        server.idleChanged(1);
        ch.read(); // keep a read pending so a close by the backend is noticed while idle
    }

    /**
     * Drops the pools of servers that left the routing table: their idle connections close, on
     * their own event loops. Call after {@link BackendServer#retire()}, so that a connection
     * released later is closed instead of pooled.
     */
    public void retire(Collection<BackendServer> gone) {
        if (gone.isEmpty()) {
            return;
        }
        List<BackendServer> servers = List.copyOf(gone);
        loops.forEach((loop, map) -> loop.execute(() -> {
            for (BackendServer s : servers) {
                ArrayDeque<Channel> deque = map.remove(s);
                if (deque == null) {
                    continue;
                }
                for (Channel ch : deque) {
                    s.idleChanged(-1);
                    ch.close();
                }
            }
        }));
    }

    /** Servers with a pool on some event loop (for tests: servers that are gone must not stay). */
    int pooledServers() {
        return (int) loops.values().stream().mapToLong(Map::size).sum();
    }

    private Map<BackendServer, ArrayDeque<Channel>> idleOf(EventLoop loop) {
        Map<BackendServer, ArrayDeque<Channel>> map = idle.get();
        if (!loops.containsKey(loop)) {
            loops.put(loop, map);
        }
        return map;
    }
}
