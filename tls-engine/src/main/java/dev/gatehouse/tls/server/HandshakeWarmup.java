package dev.gatehouse.tls.server;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.PemBundleParser;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.EchoBackend;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.proxy.ProxyServices;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS handshakes, each followed by one proxied request, against a throwaway loopback listener before
 * the real listeners bind: the JIT compiles the connection path before the first tenants arrive.
 * <b>On by default</b> ({@value #DEFAULT_HANDSHAKES} connections within {@value #DEFAULT_SECONDS} s,
 * whichever ends first). Measured with {@code bench/edge-vs-haproxy.sh}'s bigsni phase (20,000 names,
 * server pinned to one core, 2026-12-04; docs/benchmarks.md "Start-up warm-up through the proxy"):
 * random-SNI handshakes right after start ran at 781/s per core with the warm-up off and 1,579/s with
 * this default (same JVM flags), and start took 8.3 s without, 23.4 s with. Warm-ups of handshakes
 * only gained little (2,000 within 5 s: nothing; 10,000: 914/s against 851): the request path stayed cold.
 *
 * <p>The listener is the real HTTPS pipeline ({@link HttpsChannelInitializer}, the node's event loops
 * and TLS settings) over a twin registry ({@link CertificateRegistry#emptyTwin}) that holds only
 * throwaway certificates for {@code *.warmup.invalid}, with a key-material cache smaller than their
 * number so that the miss path (build off the loop, then handshake) is compiled too. After each
 * handshake one GET goes through the proxy to a throwaway loopback backend ({@link EchoBackend}, with
 * a connector and pool of the warm-up's own, closed at the end): the handshake alone left the request
 * path cold, and that was most of what a cold node spends ({@code bench/cold-start-jfr.sh}, 20,000
 * names, the first 8 s after start: Java samples per handshake 10x their warm figure, native TLS 1.9x;
 * 4.7x and 1.1x after this warm-up). It observes nothing
 * (no access-log line, no metric, its own counters), and expects no PROXY header. TLS 1.3 and
 * TLS 1.2 alternate. Bounded in count and time: {@code -Dgatehouse.warmup.handshakes=N} (0: off)
 * within {@code -Dgatehouse.warmup.seconds=S} (at most 300); a failure only logs.
 */
final class HandshakeWarmup {

    private static final Logger log = LoggerFactory.getLogger(HandshakeWarmup.class);
    static final String PROPERTY = "gatehouse.warmup.handshakes";
    static final int DEFAULT_HANDSHAKES = 10_000;
    static final String SECONDS_PROPERTY = "gatehouse.warmup.seconds";
    static final int DEFAULT_SECONDS = 15;
    private static final int CERTIFICATES = 12;
    private static final int CACHED = 4;
    private static final int IN_FLIGHT = 8;

    private HandshakeWarmup() {
    }

    static int configured() {
        return Math.max(0, Math.min(100_000, Integer.getInteger(PROPERTY, DEFAULT_HANDSHAKES)));
    }

    /** What a warm-up did: handshakes completed, and requests among them answered 200 through the proxy. */
    record Result(int handshakes, int requests) {
        static final Result NONE = new Result(0, 0);
    }

    /** Runs up to {@code handshakes} handshakes, each followed by one proxied request; bounded in time. */
    static Result run(EdgeConfig config, CertificateRegistry registry, EventLoopGroup group, Transport transport,
            ProxyServices real, int handshakes) {
        if (handshakes <= 0) {
            return Result.NONE;
        }
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(
                Math.max(1, Math.min(300, Integer.getInteger(SECONDS_PROPERTY, DEFAULT_SECONDS))));
        CertificateRegistry twin = registry.emptyTwin(CACHED);
        ChannelGroup channels = new DefaultChannelGroup("warmup", GlobalEventExecutor.INSTANCE);
        Counts counts = new Counts();
        Channel listener = null;
        EchoBackend backend = null;
        // a connector and a backend of its own: the real pools, their health and counters never see the warm-up
        BackendConnector connector = new BackendConnector(transport, DefaultAddressResolverGroup.INSTANCE, 2000,
                10_000, 8192, IN_FLIGHT);
        BackendServer server = null;
        try {
            List<String> names = certificates(twin);
            backend = EchoBackend.start("warmup", "127.0.0.1", 0);
            server = new BackendServer("127.0.0.1", backend.port());
            Router router = Router.builder().defaultPool(BackendPool.of("warmup", server)).build();
            ProxyServices services = new ProxyServices(() -> router, connector, real.settings(), new EdgeMetrics(),
                    new AtomicInteger());
            listener = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            int port = ((InetSocketAddress) ch.localAddress()).getPort();
                            ch.pipeline().addLast(new HttpsChannelInitializer(config, twin, services, channels,
                                    port, false));
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            InetSocketAddress at = (InetSocketAddress) listener.localAddress();
            SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
            SslContext tls13 = client(provider, "TLSv1.3");
            SslContext tls12 = client(provider, "TLSv1.2");
            Bootstrap client = new Bootstrap().group(group).channel(transport.clientChannel())
                    .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                        }
                    });
            Plan plan = new Plan(client, at, names, tls13, tls12, handshakes, deadline, counts,
                    new CountDownLatch(IN_FLIGHT));
            for (int i = 0; i < IN_FLIGHT; i++) {
                next(plan);
            }
            plan.finished.await(Math.max(0, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(2),
                    TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("event=warmup_failed cause={}", e.toString());
        } finally {
            if (listener != null) {
                listener.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
            channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            if (server != null) {
                connector.retire(List.of(server)); // closes its pooled connections
            }
            if (backend != null) {
                backend.close();
            }
            twin.close();
        }
        log.info("event=warmup handshakes={} requests={} failed={} ms={}", counts.done.get(), counts.answered.get(),
                counts.failed.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return new Result(counts.done.get(), counts.answered.get());
    }

    /** Shared by the warm-up's connections. */
    private static final class Counts {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger answered = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
    }

    private record Plan(Bootstrap client, InetSocketAddress at, List<String> names, SslContext tls13,
            SslContext tls12, int handshakes, long deadline, Counts counts, CountDownLatch finished) {
    }

    private static List<String> certificates(CertificateRegistry twin) throws Exception {
        DemoPki pki = DemoPki.create("Gatehouse warm-up (throwaway)");
        List<String> names = new ArrayList<>();
        List<CertificateBundle> bundles = new ArrayList<>();
        for (int i = 0; i < CERTIFICATES; i++) {
            String name = "w" + i + ".warmup.invalid";
            DemoPki.Issued issued = pki.issueEc(name);
            bundles.add(PemBundleParser.fromJca("warmup-" + i, issued.chain(), issued.key(), Instant.now()));
            names.add(name);
        }
        twin.putAll(bundles);
        return names;
    }

    private static SslContext client(SslProvider provider, String protocol) throws javax.net.ssl.SSLException {
        return SslContextBuilder.forClient().sslProvider(provider).protocols(protocol)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    }

    /** A failed connection does not count towards the total: another takes its place (at most 50 in all). */
    private static void retry(Counts c) {
        c.failed.incrementAndGet();
        c.started.decrementAndGet();
    }

    /**
     * One connection: a handshake, one GET through the proxy to the warm-up backend (the request path a
     * tenant's first connection takes: decode, route, backend lease, relay), and on its close the next,
     * until the count or the deadline is reached.
     */
    private static void next(Plan p) {
        Counts c = p.counts;
        int n = c.started.getAndIncrement();
        if (n >= p.handshakes || System.nanoTime() > p.deadline || c.failed.get() > 50) {
            p.finished.countDown();
            return;
        }
        String name = p.names.get(n % p.names.size());
        SslContext ctx = n % 4 == 3 ? p.tls12 : p.tls13;
        ChannelFuture connect = p.client.connect(p.at);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                retry(c);
                next(p);
                return;
            }
            Channel ch = connect.channel();
            SslHandler ssl = ctx.newHandler(ch.alloc(), name, p.at.getPort());
            ch.pipeline().addLast(ssl).addLast(new HttpClientCodec()).addLast(new HttpObjectAggregator(64 * 1024))
                    .addLast(new SimpleChannelInboundHandler<FullHttpResponse>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
                            if (response.status().code() == 200) {
                                c.answered.incrementAndGet();
                            }
                            ctx.close();
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            ctx.close();
                        }
                    });
            ssl.handshakeFuture().addListener(h -> {
                if (!h.isSuccess()) {
                    // e.g. the tiny cache evicted the name's material three times while it was built
                    retry(c);
                    ch.close();
                    return;
                }
                c.done.incrementAndGet();
                FullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/warmup");
                get.headers().set(HttpHeaderNames.HOST, name);
                ch.writeAndFlush(get);
            });
            ch.closeFuture().addListener(closed -> next(p));
        });
    }
}
