package dev.gatehouse.tls.server;

import dev.gatehouse.tls.acme.ChallengeStore;
import dev.gatehouse.tls.acme.PlainHttpHandler;
import dev.gatehouse.tls.backend.Backends;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.net.ProxyProtocol;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.proxy.DrainEvent;
import dev.gatehouse.tls.proxy.ProxyServices;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane of one node: the HTTPS listener (SNI → certificate → HTTP/1.1 or HTTP/2 → backend
 * pools) and the port-80 listener (ACME challenges, redirect). Certificates and routes change at
 * runtime through {@link #registry()} and {@link #setRouter(Router)}; no rebind, no restart.
 */
public final class EdgeServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EdgeServer.class);

    private final EdgeConfig config;
    private final CertificateRegistry registry;
    private final ChallengeStore challenges;
    private final RequestObserver observer;
    private final EdgeMetrics metrics = new EdgeMetrics();
    private final Backends backends;
    private final AtomicInteger inflight = new AtomicInteger();
    private final dev.gatehouse.tls.policy.PolicyIndex policies = new dev.gatehouse.tls.policy.PolicyIndex();
    private final Transport transport = Transport.best();
    private final ChannelGroup frontends = new DefaultChannelGroup("frontends", GlobalEventExecutor.INSTANCE);
    private final AddressDrain addressDrain = new AddressDrain(frontends, this::listeners);
    private EventLoopGroup group;
    private volatile Channel httpsListener; // volatile: read by the VIP applier's drain (listeners())
    private volatile Channel httpListener;
    private volatile boolean stopped;
    private volatile int warmupHandshakes;
    private volatile int warmupRequests;

    private final List<java.util.concurrent.atomic.AtomicLong> loopBeats =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    public EdgeServer(EdgeConfig config, CertificateRegistry registry, ChallengeStore challenges) {
        this(config, registry, challenges, RequestObserver.NONE);
    }

    /**
     * @param observer told of every finished request and every handshake, on the event loop (the access
     *                 log, the metrics; {@link RequestObserver#both} to combine them)
     */
    public EdgeServer(EdgeConfig config, CertificateRegistry registry, ChallengeStore challenges,
            RequestObserver observer) {
        this.config = config;
        this.registry = registry;
        this.challenges = challenges;
        this.observer = java.util.Objects.requireNonNull(observer, "observer");
        var proxy = config.proxy();
        this.backends = new Backends(transport, config.dns(), (int) proxy.connectTimeout().toMillis(),
                proxy.idleTimeout().toMillis(), proxy.maxHeaderSize(), 1024);
    }

    /** Binds the listeners. Returns once they accept connections. */
    public synchronized EdgeServer start() throws InterruptedException {
        int threads = config.ioThreads() > 0 ? config.ioThreads() : Runtime.getRuntime().availableProcessors();
        group = transport.newGroup(threads, "gatehouse-io");
        backends.start(group);
        var proxy = config.proxy();
        ProxyServices services = new ProxyServices(backends::router, backends.connector(), proxy, metrics, inflight,
                observer, policies);
        // before the real listeners bind: no tenant's handshake meets a cold JIT (see HandshakeWarmup)
        HandshakeWarmup.Result warmup = HandshakeWarmup.run(config, registry, group, transport, services,
                HandshakeWarmup.configured());
        warmupHandshakes = warmup.handshakes();
        warmupRequests = warmup.requests();

        ServerBootstrap https = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        int port = ((InetSocketAddress) ch.localAddress()).getPort();
                        ch.pipeline().addLast(new HttpsChannelInitializer(config, registry, services, frontends, port));
                    }
                });
        httpsListener = https.bind(config.httpsAddress()).sync().channel();
        if (config.httpAddress() != null) {
            int publicHttpsPort = config.publicHttpsPort() > 0 ? config.publicHttpsPort() : httpsPort();
            PlainHttpHandler plainHttp = new PlainHttpHandler(challenges, new PlainHttpHandler.Settings(
                    config.redirectToHttps(), publicHttpsPort, config.monitorPath(), config.nodeName()), metrics, policies);
            ServerBootstrap http = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            frontends.add(ch);
                            ProxyProtocol.addHandlers(ch.pipeline(), config.proxyProtocol(), false, metrics);
                            ch.pipeline()
                                    .addLast("http-codec", new HttpServerCodec(proxy.maxInitialLineLength(),
                                            proxy.maxHeaderSize(), 8192))
                                    .addLast("idle", new IdleStateHandler(0, 0,
                                            proxy.headerTimeout().toMillis(), TimeUnit.MILLISECONDS))
                                    .addLast("plain-http", plainHttp)
                                    .addLast("idle-close", new IdleClose());
                        }
                    });
            httpListener = http.bind(config.httpAddress()).sync().channel();
        }
        for (io.netty.util.concurrent.EventExecutor loop : group) {
            int slot = loopBeats.size();
            loopBeats.add(new java.util.concurrent.atomic.AtomicLong(System.nanoTime()));
            loop.scheduleAtFixedRate(() -> loopBeats.get(slot).set(System.nanoTime()), 0, 100, TimeUnit.MILLISECONDS);
        }
        log.info("event=edge_started https={} http={} transport={} tls={} certificates={}",
                httpsListener.localAddress(), httpListener == null ? "off" : httpListener.localAddress(),
                transport.name(), registry == null ? "?" : "ready", registry.size());
        return this;
    }

    /**
     * Replaces the routing table; new requests use it at once. Servers carried over from the
     * previous table (see {@link dev.gatehouse.tls.backend.RouterCarryOver}) keep their health and
     * pooled connections; servers that are gone are dropped.
     */
    public void setRouter(Router next) {
        backends.setRouter(next);
    }

    public Router router() {
        return backends.router();
    }

    /** The hostname policies this node applies ({@link dev.gatehouse.tls.policy.PolicyIndex#replace} to change them). */
    public dev.gatehouse.tls.policy.PolicyIndex policies() {
        return policies;
    }

    public CertificateRegistry registry() {
        return registry;
    }

    /** Handshakes the start-up warm-up completed ({@code -Dgatehouse.warmup.handshakes}; 0 when off). */
    public int warmupHandshakes() {
        return warmupHandshakes;
    }

    /** Requests among them the warm-up had answered 200 through the proxy (its own throwaway backend). */
    public int warmupRequests() {
        return warmupRequests;
    }

    public ChallengeStore challenges() {
        return challenges;
    }

    public EdgeMetrics metrics() {
        return metrics;
    }

    public String transportName() {
        return transport.name();
    }

    /** The bound HTTPS port (useful with port 0). */
    public int httpsPort() {
        return ((InetSocketAddress) httpsListener.localAddress()).getPort();
    }

    /** The bound port-80 listener's port, or -1 when it is off. */
    public int httpPort() {
        return httpListener == null ? -1 : ((InetSocketAddress) httpListener.localAddress()).getPort();
    }

    /** Client connections open now (HTTPS and port 80). */
    public int openConnections() {
        return frontends.size();
    }

    /**
     * How long ago each I/O thread last ran its 100 ms heartbeat task, in nanoseconds: above 100 ms
     * the loop is running late (busy, or blocked) by the difference.
     */
    public long[] loopHeartbeatAgesNanos() {
        long now = System.nanoTime();
        long[] out = new long[loopBeats.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = now - loopBeats.get(i).get();
        }
        return out;
    }

    /** Requests currently being proxied. */
    public int inflight() {
        return inflight.get();
    }

    /**
     * Why the data plane cannot serve right now, or null when it can: the HTTPS listener is bound
     * and every I/O thread has run its 100 ms heartbeat task within {@code stall} (a loop stuck in
     * a blocking call or a busy spin serves nobody on its connections).
     */
    public String problem(Duration stall) {
        if (!listening()) {
            return "https listener not listening";
        }
        long now = System.nanoTime();
        for (int i = 0; i < loopBeats.size(); i++) {
            long age = now - loopBeats.get(i).get();
            if (age > stall.toNanos()) {
                return "I/O thread " + i + " stalled for " + TimeUnit.NANOSECONDS.toMillis(age) + " ms";
            }
        }
        return null;
    }

    /** True while the HTTPS listener is bound and the engine is not shutting down. */
    public boolean listening() {
        return !stopped && httpsListener != null && httpsListener.isActive();
    }

    /**
     * Before this node hands {@code address} (a VIP) to another: new connections to it go
     * unanswered (the client retransmits its SYN a second later, by when the new holder answers),
     * open ones finish their request and close; waits at most {@code limit}. Other addresses are
     * served as before.
     *
     * @return the connections to {@code address} still open when it returned
     */
    public int drainAddress(InetAddress address, Duration limit) {
        try {
            return addressDrain.drain(address, limit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Takes new connections to {@code address} again (undoes {@link #drainAddress}). */
    public void resumeAddress(InetAddress address) {
        addressDrain.resume(address);
    }

    private List<Channel> listeners() {
        List<Channel> out = new java.util.ArrayList<>();
        for (Channel l : new Channel[] {httpsListener, httpListener}) {
            if (l != null) {
                out.add(l);
            }
        }
        return out;
    }

    /**
     * Graceful shutdown: stop accepting, let in-flight requests finish (idle keep-alive connections
     * close at once, HTTP/2 gets GOAWAY) up to {@code deadline}, then close everything.
     */
    public synchronized void shutdownGracefully(Duration deadline) {
        if (stopped || group == null) {
            return;
        }
        stopped = true;
        long start = System.nanoTime();
        if (httpsListener != null) {
            httpsListener.close().syncUninterruptibly();
        }
        if (httpListener != null) {
            httpListener.close().syncUninterruptibly();
        }
        for (Channel ch : frontends) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE));
        }
        long limit = start + deadline.toNanos();
        while (inflight.get() > 0 && System.nanoTime() < limit) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = inflight.get();
        frontends.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        backends.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        log.info("event=edge_stopped drained_ms={} abandoned_requests={}",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), left);
    }

    @Override
    public void close() {
        shutdownGracefully(config.drainTimeout());
    }

    /** Closes an idle port-80 connection. */
    private static final class IdleClose extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.handler.timeout.IdleStateEvent || evt == DrainEvent.INSTANCE) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
