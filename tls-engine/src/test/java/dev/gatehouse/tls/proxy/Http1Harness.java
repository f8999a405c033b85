package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.BackendHandler;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.net.ClientAddress;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.observe.RequestRecord;
import dev.gatehouse.tls.policy.PolicyIndex;
import dev.gatehouse.tls.sni.CoveredNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 connection through the real pipeline of a live one (server codec, flow control,
 * {@link ProxyHandler}) on an {@link EmbeddedChannel}, with backend connections that are
 * {@link EmbeddedChannel}s ending in the real HTTP client codec and {@link BackendHandler}: real request
 * and response bytes on both sides, no socket.
 */
final class Http1Harness implements AutoCloseable {

    static final String HOST = "app.tenant-a.test";
    static final String CLIENT = "192.0.2.7";

    final EdgeMetrics metrics = new EdgeMetrics();
    final List<RequestRecord> records = new ArrayList<>();
    final AtomicInteger inflight = new AtomicInteger();
    final PolicyIndex policies = new PolicyIndex();
    final List<EmbeddedChannel> backends = new ArrayList<>();
    final List<BackendServer> acquired = new ArrayList<>();
    final List<Channel> released = new ArrayList<>();
    /** What the next acquisitions answer, in order (then fresh connections). */
    final Deque<Lease> leases = new ArrayDeque<>();

    enum Lease { FRESH, REUSED, REFUSED }
    Router router;
    EmbeddedChannel client;

    Http1Harness(BackendServer... servers) {
        router = Router.builder().route(HOST, BackendPool.of("app", servers)).build();
    }

    EmbeddedChannel connect() {
        ProxyServices services = new ProxyServices(() -> router, null, ProxySettings.defaults().withMaxBodySize(1000),
                metrics, inflight, new RequestObserver() {
                    @Override
                    public void onRequest(RequestRecord r) {
                        records.add(r);
                    }
                }, policies);
        BackendLeases leasesOf = new BackendLeases() {
            @Override
            public Future<BackendConnector.Lease> acquire(BackendServer server, EventLoop loop) {
                acquired.add(server);
                Lease lease = leases.isEmpty() ? Lease.FRESH : leases.poll();
                if (lease == Lease.REFUSED) {
                    return ImmediateEventExecutor.INSTANCE.newFailedFuture(new java.net.ConnectException("refused"));
                }
                EmbeddedChannel b = new EmbeddedChannel();
                b.config().setAutoRead(false);
                b.pipeline().addLast(BackendConnector.CODEC, new HttpClientCodec());
                b.pipeline().addLast(BackendConnector.IDLE, new IdleStateHandler(0, 0, 60, TimeUnit.SECONDS));
                b.pipeline().addLast(new BackendHandler());
                backends.add(b);
                return ImmediateEventExecutor.INSTANCE.newSucceededFuture(new BackendConnector.Lease(b,
                        lease == Lease.REUSED));
            }

            @Override
            public void release(BackendServer server, Channel ch) {
                released.add(ch);
            }
        };
        client = new EmbeddedChannel();
        client.attr(ClientAddress.PROXIED).set(new ClientAddress.Proxied(new InetSocketAddress(CLIENT, 50000),
                new InetSocketAddress("198.18.0.1", 8443)));
        client.pipeline().addLast(new HttpServerCodec(), new FlowControlHandler(),
                new ProxyHandler(services, leasesOf, false, 8443, CoveredNames.of("bundle-1", List.of(HOST))));
        return client;
    }

    /** Writes raw bytes from the client and runs what they scheduled (the flush of a response head). */
    void clientSends(String raw) {
        client.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        client.runPendingTasks();
    }

    /** Everything written to the client so far, as text. */
    String clientReceived() {
        client.runPendingTasks();
        return drain(client);
    }

    EmbeddedChannel backend() {
        if (backends.isEmpty()) {
            throw new AssertionError("no backend connection was opened");
        }
        return backends.get(backends.size() - 1);
    }

    /** Raw bytes from the backend, through its real HTTP client codec. */
    void backendSends(String raw) {
        backend().writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        client.runPendingTasks();
    }

    /** Everything the proxy wrote to the current backend connection so far, as text. */
    String backendReceived() {
        return drain(backend());
    }

    static String drain(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    @Override
    public void close() {
        if (client != null) {
            client.finishAndReleaseAll();
        }
        backends.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
}
