package dev.gatehouse.tls.backend;

import dev.gatehouse.tls.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the active HTTP health checks of every pool that has one. Each check is a fresh connection
 * ({@code Connection: close}), so a check never disturbs pooled keep-alive connections.
 *
 * <p>{@link #watch} reconciles: a server that stays in its pool with the same check keeps its
 * running task (and so its rhythm and its rise/fall counts); a new server or a changed check
 * starts one; a server that is gone, or whose pool dropped its check, has its task cancelled.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private final EventLoopGroup group;
    private final Transport transport;
    private final AddressResolverGroup<InetSocketAddress> resolver;
    /** Guarded by this; written by {@link #watch} and {@link #close} only. */
    private Map<Key, Task> tasks = new HashMap<>();

    /** A server is checked once per pool it is in. */
    private record Key(String pool, BackendServer server) {
    }

    private record Task(HealthCheckSpec spec, ProxyProtocolMode proxyProtocol, ScheduledFuture<?> future) {
    }

    public HealthChecker(EventLoopGroup group, Transport transport, AddressResolverGroup<InetSocketAddress> resolver) {
        this.group = group;
        this.transport = transport;
        this.resolver = java.util.Objects.requireNonNull(resolver, "resolver");
    }

    /** Checks exactly these pools from now on, keeping the tasks of servers whose check did not change. */
    public synchronized void watch(Collection<BackendPool> pools) {
        Map<Key, Task> next = new HashMap<>();
        for (BackendPool pool : pools) {
            HealthCheckSpec spec = pool.healthCheck();
            if (spec == null) {
                continue;
            }
            for (BackendServer server : pool.servers()) {
                Key key = new Key(pool.name(), server);
                if (next.containsKey(key)) {
                    continue;
                }
                Task kept = tasks.remove(key);
                ProxyProtocolMode header = pool.proxyProtocol();
                if (kept != null && kept.spec().equals(spec) && kept.proxyProtocol() == header) {
                    next.put(key, kept);
                    continue;
                }
                if (kept != null) {
                    kept.future().cancel(false);
                }
                String poolName = pool.name();
                next.put(key, new Task(spec, header, group.next().scheduleAtFixedRate(
                        () -> check(poolName, server, spec, header), 0, spec.interval().toMillis(),
                        TimeUnit.MILLISECONDS)));
            }
        }
        tasks.forEach((key, task) -> {
            task.future().cancel(false);
            key.server().activeCheckRemoved(); // up again unless ejected, if it stays in a pool without a check
        });
        tasks = next;
    }

    /** The running check task of a server in a pool, or null (for tests: kept across rebuilds or not). */
    synchronized ScheduledFuture<?> task(String pool, BackendServer server) {
        Task t = tasks.get(new Key(pool, server));
        return t == null ? null : t.future();
    }

    /** One check; a pool with a PROXY header sends one first ({@code LOCAL}: the check relays no client). */
    private void check(String pool, BackendServer server, HealthCheckSpec spec, ProxyProtocolMode header) {
        if (server.retired()) {
            return; // its task is being cancelled
        }
        int timeout = (int) spec.timeout().toMillis();
        Bootstrap b = new Bootstrap()
                .group(group.next())
                .channel(transport.clientChannel())
                .resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec()).addLast(new Probe(pool, server, spec));
                    }
                });
        b.connect(server.address()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                record(pool, server, spec, false, "connect: " + f.cause().getMessage());
                return;
            }
            Channel ch = f.channel();
            ch.eventLoop().schedule(() -> {
                if (ch.isActive()) {
                    ch.pipeline().get(Probe.class).finish(false, "timeout after " + timeout + "ms");
                    ch.close();
                }
            }, timeout, TimeUnit.MILLISECONDS);
            if (header != ProxyProtocolMode.OFF) {
                BackendProxyHeader.write(ch, BackendProxyHeader.forCheck(header));
            }
            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, spec.path());
            req.headers().set(HttpHeaderNames.HOST, server.host());
            req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            req.headers().set(HttpHeaderNames.USER_AGENT, "gatehouse-health-check");
            ch.writeAndFlush(req);
        });
    }

    private static void record(String pool, BackendServer server, HealthCheckSpec spec, boolean ok, String why) {
        if (server.recordCheck(ok, spec.rise(), spec.fall(), ok ? null : why)) {
            if (ok) {
                log.info("event=backend_up pool={} backend={}", pool, server);
            } else {
                log.warn("event=backend_down pool={} backend={} cause={}", pool, server, why);
            }
        }
    }

    private static final class Probe extends SimpleChannelInboundHandler<HttpObject> {
        private final String pool;
        private final BackendServer server;
        private final HealthCheckSpec spec;
        private boolean done;

        Probe(String pool, BackendServer server, HealthCheckSpec spec) {
            this.pool = pool;
            this.server = server;
            this.spec = spec;
        }

        void finish(boolean ok, String why) {
            if (!done) {
                done = true;
                record(pool, server, spec, ok, why);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                int code = r.status().code();
                finish(code >= 200 && code < 400, "status " + code);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(false, "connection closed before a response");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(false, cause.toString());
            ctx.close();
        }
    }

    @Override
    public synchronized void close() {
        tasks.values().forEach(t -> t.future().cancel(false));
        tasks = new HashMap<>();
    }
}
