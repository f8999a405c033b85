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
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive HTTP/1.1 connections to backend servers, pooled per event loop: a frontend connection
 * only ever uses backend connections of its own event loop, so the pool needs no lock and bytes never
 * cross threads (Netty's proxy example, and Zuul 2, do the same).
 */
public final class BackendConnector {

    /** Handler names in a backend pipeline. */
    public static final String CODEC = "http-client-codec";
    public static final String IDLE = "idle";
    public static final String BACKEND_HANDLER = "backend";

    private final Transport transport;
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

    public BackendConnector(Transport transport, int connectTimeoutMillis, long idleTimeoutMillis, int maxHeaderSize,
            int maxIdlePerServer) {
        this.transport = transport;
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
        ArrayDeque<Channel> deque = idle.get().get(server);
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
                    ArrayDeque<Channel> pooled = idle.get().get(server);
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
        Map<BackendServer, ArrayDeque<Channel>> map = idle.get();
        ArrayDeque<Channel> deque = map.computeIfAbsent(server, k -> new ArrayDeque<>());
        if (deque.size() >= maxIdlePerServer) {
            ch.close();
            return;
        }
        deque.addLast(ch);
        server.idleChanged(1);
        ch.read(); // keep a read pending so a close by the backend is noticed while idle
    }
}
