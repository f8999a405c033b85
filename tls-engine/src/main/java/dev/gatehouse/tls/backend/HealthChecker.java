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
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the active HTTP health checks of every pool that has one. Each check is a fresh connection
 * ({@code Connection: close}), so a check never disturbs pooled keep-alive connections.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private final EventLoopGroup group;
    private final Transport transport;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    public HealthChecker(EventLoopGroup group, Transport transport) {
        this.group = group;
        this.transport = transport;
    }

    /** Starts checking these pools (replacing any pools checked before). */
    public synchronized void watch(Collection<BackendPool> pools) {
        stopTasks();
        for (BackendPool pool : pools) {
            HealthCheckSpec spec = pool.healthCheck();
            if (spec == null) {
                continue;
            }
            for (BackendServer server : pool.servers()) {
                long every = spec.interval().toMillis();
                tasks.add(group.next().scheduleAtFixedRate(() -> check(pool, server, spec), 0, every,
                        TimeUnit.MILLISECONDS));
            }
        }
    }

    private void check(BackendPool pool, BackendServer server, HealthCheckSpec spec) {
        int timeout = (int) spec.timeout().toMillis();
        Bootstrap b = new Bootstrap()
                .group(group.next())
                .channel(transport.clientChannel())
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
            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, spec.path());
            req.headers().set(HttpHeaderNames.HOST, server.host());
            req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            req.headers().set(HttpHeaderNames.USER_AGENT, "gatehouse-health-check");
            ch.writeAndFlush(req);
        });
    }

    private static void record(BackendPool pool, BackendServer server, HealthCheckSpec spec, boolean ok, String why) {
        if (server.recordCheck(ok, spec.rise(), spec.fall(), ok ? null : why)) {
            if (ok) {
                log.info("event=backend_up pool={} backend={}", pool.name(), server);
            } else {
                log.warn("event=backend_down pool={} backend={} cause={}", pool.name(), server, why);
            }
        }
    }

    private static final class Probe extends SimpleChannelInboundHandler<HttpObject> {
        private final BackendPool pool;
        private final BackendServer server;
        private final HealthCheckSpec spec;
        private boolean done;

        Probe(BackendPool pool, BackendServer server, HealthCheckSpec spec) {
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

    private void stopTasks() {
        tasks.forEach(t -> t.cancel(false));
        tasks.clear();
    }

    @Override
    public synchronized void close() {
        stopTasks();
    }
}
