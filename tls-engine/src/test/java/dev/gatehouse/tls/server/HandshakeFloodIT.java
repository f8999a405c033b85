package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.KeyType;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.testing.TestEdge;
import dev.gatehouse.tls.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Right after start, 20,000 distinct names, each with its own certificate, get one full handshake each
 * (64 at a time, from a BoringSSL client in this JVM): every handshake succeeds and the I/O threads keep
 * running their heartbeat all along, i.e. the engine stays healthy by the node's own criterion
 * ({@link EdgeServer#problem}). This is the failover case: the survivor gets the other node's tenants
 * all at once, and every first handshake of a certificate needs its key material built.
 */
class HandshakeFloodIT {

    private static final int NAMES = 20_000;
    private static final int CONCURRENCY = 64;
    /** The node's readiness criterion (appliance Node: a loop silent this long is stuck). */
    private static final Duration STALL = Duration.ofSeconds(5);

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aFloodOfFirstHandshakesForDistinctNamesKeepsTheIoThreadsBeating() throws Exception {
        try (TestEdge edge = new TestEdge(b -> b.maxContexts(NAMES))) {
            List<CertificateBundle> bundles = issue(edge.pki.pki());
            // the worst case: no material built ahead, every handshake is its certificate's first
            edge.registry.preloadKeyMaterial(false);
            edge.registry.putAll(bundles);
            long buildsBefore = edge.registry.contextStats().builds();

            AtomicBoolean flooding = new AtomicBoolean(true);
            AtomicLong worstBeatNanos = new AtomicLong();
            List<String> problems = Collections.synchronizedList(new ArrayList<>());
            Thread watch = new Thread(() -> {
                while (flooding.get()) {
                    for (long age : edge.edge.loopHeartbeatAgesNanos()) {
                        worstBeatNanos.accumulateAndGet(age, Math::max);
                    }
                    String p = edge.edge.problem(STALL);
                    if (p != null) {
                        problems.add(p);
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "flood-watch");
            watch.start();
            long[] outcome;
            try {
                outcome = flood(edge.port(), edge.pki.caPem());
            } finally {
                flooding.set(false);
                watch.join(5_000);
            }
            long ok = outcome[0];
            long failed = outcome[1];
            long builds = edge.registry.contextStats().builds() - buildsBefore;
            System.out.printf("flood: %d ok, %d failed in %d ms; worst heartbeat age %d ms; builds %d, %.1f us each%n",
                    ok, failed, outcome[2], TimeUnit.NANOSECONDS.toMillis(worstBeatNanos.get()), builds,
                    builds == 0 ? 0.0 : edge.registry.contextStats().buildNanos() / 1e3 / builds);
            assertThat(problems).as("health problems during the flood").isEmpty();
            assertThat(failed).as("failed handshakes").isZero();
            assertThat(ok).isEqualTo(NAMES);
            assertThat(edge.registry.contextStats().builds() - buildsBefore).as("one build per certificate").isEqualTo(NAMES);
            assertThat(edge.edge.problem(STALL)).isNull();
        }
    }

    /** 20,000 leaf certificates from the test CA (one shared key pair keeps issuing fast), one name each. */
    private static List<CertificateBundle> issue(DemoPki pki) {
        KeyPair keys = DemoPki.ecKeys();
        Instant now = Instant.now();
        return IntStream.range(0, NAMES).parallel().mapToObj(i -> {
            String name = "t" + i + ".flood.test";
            DemoPki.Issued issued = pki.issue(keys, now.minusSeconds(60), now.plus(Duration.ofDays(1)), name);
            try {
                List<byte[]> der = List.of(issued.chain().get(0).getEncoded(), issued.chain().get(1).getEncoded());
                String fp = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der.get(0)));
                return new CertificateBundle("flood-" + i, List.of(name), KeyType.ec("P-256", 256),
                        issued.leaf().getNotBefore().toInstant(), issued.leaf().getNotAfter().toInstant(), der,
                        issued.key().getEncoded(), fp, issued.leaf().getIssuerX500Principal().getName(),
                        issued.leaf().getSerialNumber().toString(16));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    /** One full handshake per name, {@value #CONCURRENCY} at a time; returns {ok, failed, elapsed ms}. */
    private static long[] flood(int port, byte[] caPem) throws Exception {
        SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(new ByteArrayInputStream(caPem)).protocols("TLSv1.3").build();
        EventLoopGroup group = Transport.best().newGroup(1, "flood-client");
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Semaphore window = new Semaphore(CONCURRENCY);
        long t0 = System.nanoTime();
        try {
            Bootstrap b = new Bootstrap().group(group).channel(Transport.best().clientChannel())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
            for (int i = 0; i < NAMES; i++) {
                if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                    throw new AssertionError("no handshake finished within 60 s (" + ok + " ok)");
                }
                String name = "t" + i + ".flood.test";
                ChannelFuture connect = b.clone().handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = client.newHandler(ch.alloc(), name, port);
                        ssl.setHandshakeTimeoutMillis(30_000);
                        ch.pipeline().addLast(ssl);
                        ssl.handshakeFuture().addListener(f -> {
                            (f.isSuccess() ? ok : failed).incrementAndGet();
                            ch.close();
                            window.release();
                        });
                    }
                }).connect("127.0.0.1", port);
                connect.addListener(f -> {
                    if (!f.isSuccess()) {
                        failed.incrementAndGet();
                        window.release();
                    }
                });
            }
            if (!window.tryAcquire(CONCURRENCY, 60, TimeUnit.SECONDS)) {
                throw new AssertionError("the last handshakes did not finish within 60 s");
            }
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            ReferenceCountUtil.release(client);
        }
        return new long[] {ok.get(), failed.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)};
    }
}
