package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.tls.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.File;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS transport of the {@link ConsoleApi}: TLS 1.2/1.3 with the console certificate, then one
 * {@link ConsoleConnection} per connection, which authenticates each request on its head before
 * reading its body, answers pipelined requests in order, throttles failed authentications per
 * client address ({@link AuthThrottle}) and reads bodies only up to the upload limit.
 *
 * <p>Handlers run off the event loop (they fsync) on {@code console.workerThreads} threads with at
 * most {@code console.maxQueuedRequests} waiting; beyond that requests get 503 + {@code Retry-After}
 * from the event loop, never an unbounded queue.
 */
public final class ConsoleServer implements AutoCloseable {

    static final String TLS = "tls";
    static final String READ_TIMEOUT = "read-timeout";
    static final String HTTP_CODEC = "http-codec";
    static final String FLOW_CONTROL = "flow-control";
    static final String CONSOLE = "console";

    /** After an early refusal: what is still read (and discarded) of the request, and for how long. */
    static final int LINGER_BYTES = 256 * 1024;
    static final long LINGER_MILLIS = 2000;

    private static final Logger log = LoggerFactory.getLogger(ConsoleServer.class);

    private final ThreadPoolExecutor workers;
    private final ConsoleConnection.Shared connections;
    private final Duration authWindow;
    private final EventLoopGroup group;
    private Channel listener;

    public ConsoleServer(ConsoleApi api, GatehouseConfig.Console config) {
        this.workers = workers(config.workerThreads(), config.maxQueuedRequests());
        this.connections = new ConsoleConnection.Shared(api, workers,
                new AuthThrottle(config.authFailureLimit(), config.authFailureWindow()),
                new ConsoleConnection.Limits(config.maxUploadBytes(), LINGER_BYTES, LINGER_MILLIS,
                        config.maxQueuedRequests()));
        this.authWindow = config.authFailureWindow();
        this.group = Transport.best().newGroup(1, "gatehouse-console-io");
    }

    /** A fixed pool with a bounded queue; {@code execute} throws RejectedExecutionException when full. */
    static ThreadPoolExecutor workers(int threads, int queued) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queued), r -> {
            Thread t = new Thread(r, "gatehouse-console-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    public ConsoleServer start(InetSocketAddress address, File certFile, File keyFile) throws Exception {
        SslContext tls = SslContextBuilder.forServer(certFile, keyFile).protocols("TLSv1.3", "TLSv1.2").build();
        Transport t = Transport.best();
        listener = new ServerBootstrap().group(group).channel(t.serverChannel())
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(TLS, tls.newHandler(ch.alloc()));
                        p.addLast(READ_TIMEOUT, new ReadTimeoutHandler(60));
                        addHttpHandlers(p);
                    }
                })
                .bind(address).sync().channel();
        log.info("event=console_started address={} workers={} queue={} auth_failure_limit={} auth_failure_window={}",
                listener.localAddress(), workers.getCorePoolSize(), connections.limits().queueBound(),
                connections.throttle().limit(), authWindow);
        return this;
    }

    /** The HTTP part of the pipeline, after TLS: codec, one message per read, the console. */
    void addHttpHandlers(ChannelPipeline p) {
        p.addLast(HTTP_CODEC, new HttpServerCodec(8192, 16 * 1024, 64 * 1024));
        p.addLast(FLOW_CONTROL, new FlowControlHandler());
        p.addLast(CONSOLE, new ConsoleConnection(connections));
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        workers.shutdown();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
