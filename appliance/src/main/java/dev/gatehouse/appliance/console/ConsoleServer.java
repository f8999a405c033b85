package dev.gatehouse.appliance.console;

import dev.gatehouse.tls.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.File;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS transport of the {@link ConsoleApi}: TLS 1.2/1.3 with the console certificate, bodies up to
 * the configured upload limit (413 problem beyond), handlers run off the event loop (they fsync).
 */
public final class ConsoleServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsoleServer.class);

    private final ConsoleApi api;
    private final int maxBody;
    private final EventLoopGroup group;
    private final ExecutorService workers = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "gatehouse-console");
        t.setDaemon(true);
        return t;
    });
    private Channel listener;

    public ConsoleServer(ConsoleApi api, int maxBody) {
        this.api = api;
        this.maxBody = maxBody;
        this.group = Transport.best().newGroup(1, "gatehouse-console-io");
    }

    public ConsoleServer start(InetSocketAddress address, File certFile, File keyFile) throws Exception {
        SslContext tls = SslContextBuilder.forServer(certFile, keyFile).protocols("TLSv1.3", "TLSv1.2").build();
        Transport t = Transport.best();
        listener = new ServerBootstrap().group(group).channel(t.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast("tls", tls.newHandler(ch.alloc()))
                                .addLast("read-timeout", new ReadTimeoutHandler(60))
                                .addLast("http-codec", new HttpServerCodec(8192, 16 * 1024, 64 * 1024))
                                .addLast("aggregator", new ProblemAggregator(maxBody))
                                .addLast("console", new Handler());
                    }
                })
                .bind(address).sync().channel();
        log.info("event=console_started address={}", listener.localAddress());
        return this;
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

    private static FullHttpResponse render(ChannelHandlerContext ctx, ApiResponse r) {
        FullHttpResponse resp;
        try {
            byte[] body = r.body() == null ? new byte[0] : Json.MAPPER.writeValueAsBytes(r.body());
            resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
                    Unpooled.wrappedBuffer(body));
        } catch (Exception e) {
            resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.INTERNAL_SERVER_ERROR);
        }
        if (r.contentType() != null) {
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        }
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
        resp.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return resp;
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            String client = ctx.channel().remoteAddress() instanceof InetSocketAddress a
                    ? a.getAddress().getHostAddress() : null;
            ApiResponse bad = null;
            if (req.decoderResult().isFailure()) {
                bad = ConsoleApi.problem(ApiException.badRequest("malformed-request", null, "malformed HTTP request"),
                        req.uri());
            }
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            String method = req.method().name();
            String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            byte[] body = ByteBufUtil.getBytes(req.content());
            ApiResponse early = bad;
            workers.execute(() -> {
                ApiResponse r = early != null ? early
                        : api.handle(method, q.rawPath(), q.parameters(), auth, body, client);
                ctx.executor().execute(() -> {
                    FullHttpResponse resp = render(ctx, r);
                    if (!keepAlive) {
                        resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
                    } else {
                        ctx.writeAndFlush(resp);
                    }
                });
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("event=console_client_error client={} cause={}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /** Answers an oversized upload with a problem document instead of a bare 413. */
    private static final class ProblemAggregator extends HttpObjectAggregator {
        private final int max;

        ProblemAggregator(int max) {
            super(max);
            this.max = max;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            ApiResponse p = ConsoleApi.problem(new ApiException(413, "body-too-large", "Content too large",
                    "request body exceeds " + max + " bytes", null, Map.of("limit", max)), "");
            FullHttpResponse resp = render(ctx, p);
            if (oversized instanceof FullHttpMessage || (!HttpUtil.is100ContinueExpected(oversized)
                    && !HttpUtil.isKeepAlive(oversized))) {
                resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            } else {
                // keep-alive: the aggregator discards the rest of the body, then the connection goes on
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            }
        }
    }
}
