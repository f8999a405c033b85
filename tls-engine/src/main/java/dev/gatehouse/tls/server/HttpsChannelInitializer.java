package dev.gatehouse.tls.server;

import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.metrics.EdgeMetrics.HandshakeFailure;
import dev.gatehouse.tls.net.ClientAddress;
import dev.gatehouse.tls.net.ProxyProtocol;
import dev.gatehouse.tls.proxy.DrainEvent;
import dev.gatehouse.tls.proxy.HeadTimeoutHandler;
import dev.gatehouse.tls.proxy.Http2ProxyHandler;
import dev.gatehouse.tls.proxy.ProxyHandler;
import dev.gatehouse.tls.proxy.ProxyServices;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.sni.CoveredNames;
import dev.gatehouse.tls.sni.TenantSniHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data path of one HTTPS connection, assembled in named steps: {@link ProxyProtocol#addHandlers}
 * (the PROXY protocol header from a trusted load balancer, when on), {@link #addTlsHandlers} (SNI →
 * certificate, TLS), then by ALPN either {@link #addHttpHandlers} (HTTP/1.1) or
 * {@link #addHttp2Handlers} (HTTP/2, proxied at frame level by one handler per connection), each
 * ending in a proxy handler.
 */
final class HttpsChannelInitializer extends ChannelInitializer<Channel> {

    private static final Logger log = LoggerFactory.getLogger(HttpsChannelInitializer.class);

    static final String SNI = "sni";
    static final String TLS = "tls";
    static final String ALPN = "alpn";
    static final String HEAD_TIMEOUT = "head-timeout";
    static final String HTTP_CODEC = "http-codec";
    static final String FLOW_CONTROL = "flow-control";
    static final String EXPECT_CONTINUE = "expect-continue";
    static final String IDLE = "idle";
    static final String FLUSH_CONSOLIDATION = "flush-consolidation";
    static final String H2_CODEC = "h2-codec";
    static final String H2_MULTIPLEX = "h2-multiplex";
    static final String H2_DRAIN = "h2-drain";
    static final String H2_TO_HTTP = "h2-to-http";
    static final String PROXY = "proxy";

    /**
     * HTTP/2 proxied at frame level on the connection ({@link Http2ProxyHandler}); {@code
     * -Dgatehouse.http2.frameProxy=false} goes back to one child channel per stream ({@link
     * Http2MultiplexHandler} + {@link ProxyHandler}), the path before it.
     */
    static final boolean H2_FRAME_PROXY = Boolean.parseBoolean(System.getProperty("gatehouse.http2.frameProxy", "true"));
    private static final int H2_MAX_STREAMS = 256;
    private static final int H2_STREAM_WINDOW = Http2CodecUtil.DEFAULT_WINDOW_SIZE;

    private static final AttributeKey<Boolean> OUTCOME_COUNTED = AttributeKey.valueOf("gatehouse.handshakeCounted");

    private final EdgeConfig config;
    private final CertificateRegistry registry;
    private final ProxyServices services;
    private final EdgeMetrics metrics;
    private final ChannelGroup channels;
    private final int localPort;
    private final boolean proxyProtocol;

    HttpsChannelInitializer(EdgeConfig config, CertificateRegistry registry, ProxyServices services,
            ChannelGroup channels, int localPort) {
        this(config, registry, services, channels, localPort, true);
    }

    /** @param proxyProtocol false: no PROXY header expected whatever the configuration (the warm-up listener) */
    HttpsChannelInitializer(EdgeConfig config, CertificateRegistry registry, ProxyServices services,
            ChannelGroup channels, int localPort, boolean proxyProtocol) {
        this.proxyProtocol = proxyProtocol;
        this.config = config;
        this.registry = registry;
        this.services = services;
        this.metrics = services.metrics();
        this.channels = channels;
        this.localPort = localPort;
    }

    @Override
    protected void initChannel(Channel ch) {
        channels.add(ch);
        metrics.increment("connections.accepted");
        if (proxyProtocol) {
            ProxyProtocol.addHandlers(ch.pipeline(), config.proxyProtocol(), true, metrics);
        }
        addTlsHandlers(ch.pipeline());
    }

    private void addTlsHandlers(ChannelPipeline p) {
        p.addLast(SNI, new TenantSniHandler(registry, metrics, services.observer(), services.policies(),
                config.maxClientHelloLength(),
                config.handshakeTimeout().toMillis(), TLS));
        p.addLast(ALPN, new AlpnHandler());
    }

    private void addHttpHandlers(ChannelPipeline p) {
        var proxy = config.proxy();
        p.addLast(FLUSH_CONSOLIDATION, new FlushConsolidationHandler(64, true));
        p.addLast(HEAD_TIMEOUT, new HeadTimeoutHandler(proxy.headerTimeout().toMillis(), services));
        p.addLast(HTTP_CODEC, new HttpServerCodec(proxy.maxInitialLineLength(), proxy.maxHeaderSize(), 16 * 1024));
        // One socket read can decode several pipelined requests; this holds them and hands the proxy one
        // message per read(), so they are answered in order. Before expect-continue, so that a queued
        // request's 100 Continue is not written into the middle of the response before it.
        p.addLast(FLOW_CONTROL, new FlowControlHandler());
        p.addLast(EXPECT_CONTINUE, new HttpServerExpectContinueHandler());
        p.addLast(IDLE, new IdleStateHandler(0, 0, proxy.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        addProxyHandlers(p, false);
    }

    private void addHttp2Handlers(ChannelPipeline p) {
        var proxy = config.proxy();
        // many streams' responses arrive from many backend connections: one TLS write per loop turn
        p.addLast(FLUSH_CONSOLIDATION, new FlushConsolidationHandler(256, true));
        p.addLast(H2_CODEC, Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(H2_MAX_STREAMS)
                        .initialWindowSize(H2_STREAM_WINDOW)
                        .maxHeaderListSize(proxy.maxHeaderSize()))
                // :method, :scheme, :path present (RFC 9113 §8.3.1); the rest of §8.1.1 is Http2Exchange's
                .validateRequiredPseudoHeaders(true)
                // a drained connection (Http2Drain) or a closed idle one waits this long for its open streams
                .gracefulShutdownTimeoutMillis(config.drainTimeout().toMillis())
                .build());
        p.addLast(H2_DRAIN, new Http2Drain());
        p.addLast(IDLE, new IdleStateHandler(0, 0, proxy.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        if (H2_FRAME_PROXY) {
            // every stream may hold a full window of DATA waiting for its backend without stopping the others
            int connectionIncrement = H2_MAX_STREAMS * H2_STREAM_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE;
            p.addLast(PROXY, new Http2ProxyHandler(services, ClientAddress.destinationPort(p.channel(), localPort),
                    CoveredNames.servedOn(p.channel()),
                    connectionIncrement));
            return;
        }
        p.addLast(H2_MULTIPLEX, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(H2_TO_HTTP, new Http2StreamFrameToHttpObjectCodec(true));
                addProxyHandlers(stream.pipeline(), true);
            }
        }));
    }

    /**
     * Ends a connection's (HTTP/1.1) or stream's (HTTP/2) pipeline. The names of the certificate chosen
     * at handshake time, recorded on the connection (an HTTP/2 stream reads its parent's), decide which
     * Hosts the proxy carries.
     */
    private void addProxyHandlers(ChannelPipeline p, boolean http2) {
        p.addLast(PROXY, new ProxyHandler(services, http2, ClientAddress.destinationPort(p.channel(), localPort),
                CoveredNames.servedOn(p.channel())));
    }

    /**
     * Picks HTTP/1.1 or HTTP/2 after the handshake and classifies handshake failures. A
     * {@link DrainEvent} that arrives while the handshake runs is held here and fired again once the
     * HTTP handlers are in place, so the connection is drained like any other rather than left open.
     */
    private final class AlpnHandler extends ApplicationProtocolNegotiationHandler {

        /**
         * A drain arrived before the HTTP handlers were added (the handler leaves the pipeline right after
         * {@link #configurePipeline}, so every event it sees comes before them).
         */
        private boolean drainPending;

        AlpnHandler() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == DrainEvent.INSTANCE) {
                drainPending = true;
                return;
            }
            if (evt instanceof SniCompletionEvent sni && !sni.isSuccess()
                    && sni.cause() instanceof SslHandshakeTimeoutException) {
                count(ctx.channel(), HandshakeFailure.TIMEOUT);
            }
            if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
                metrics.increment("handshake.ok");
                SessionTicketFlush.afterHandshake(ctx);
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                addHttp2Handlers(ctx.pipeline());
            } else {
                addHttpHandlers(ctx.pipeline());
            }
            if (drainPending) {
                // once this handler has left the pipeline (after this method), so that the event reaches the new ones
                ChannelPipeline p = ctx.pipeline();
                ctx.executor().execute(() -> p.fireUserEventTriggered(DrainEvent.INSTANCE));
            }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            count(ctx.channel(), classify(cause));
            log.debug("event=handshake_failed client={} sni={} cause={}", ClientAddress.of(ctx.channel()),
                    ctx.channel().attr(TenantSniHandler.SNI).get(), cause.toString());
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (ctx.pipeline().get(SslHandler.class) != null) {
                count(ctx.channel(), HandshakeFailure.CLIENT_CLOSED);
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            handshakeFailure(ctx, cause);
        }
    }

    private void count(Channel ch, HandshakeFailure reason) {
        if (ch.attr(OUTCOME_COUNTED).setIfAbsent(Boolean.TRUE) == null) {
            metrics.handshakeFailed(reason);
            services.observer().onHandshake(TenantSniHandler.refusedRecord(ch, reason, ch.attr(TenantSniHandler.SNI).get()));
        }
    }

    static HandshakeFailure classify(Throwable cause) {
        Throwable c = cause;
        while (c.getCause() != null && c.getCause() != c) {
            if (c instanceof SslHandshakeTimeoutException) {
                break;
            }
            c = c.getCause();
        }
        if (c instanceof SslHandshakeTimeoutException || cause instanceof SslHandshakeTimeoutException) {
            return HandshakeFailure.TIMEOUT;
        }
        if (c instanceof ClosedChannelException) {
            return HandshakeFailure.CLIENT_CLOSED;
        }
        String m = String.valueOf(c.getMessage()).toUpperCase(Locale.ROOT);
        if (m.contains("PROTOCOL_VERSION") || m.contains("UNSUPPORTED_PROTOCOL") || m.contains("NO_PROTOCOLS")) {
            return HandshakeFailure.PROTOCOL_VERSION;
        }
        if (m.contains("CLOSED") || m.contains("RESET")) {
            return HandshakeFailure.CLIENT_CLOSED;
        }
        return HandshakeFailure.OTHER;
    }
}
