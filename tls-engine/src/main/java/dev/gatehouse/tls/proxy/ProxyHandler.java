package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.net.ClientAddress;
import dev.gatehouse.tls.sni.CoveredNames;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 front handler: one client connection's requests, one {@link Http1Exchange} at a time
 * (HTTP/2 has its own, {@link Http2ProxyHandler}). It owns the connection: reads, the idle timeout,
 * draining, errors; the exchange owns the request and its response; {@link RequestAdmission} decides
 * whether a request goes on; a WebSocket upgrade swaps this handler for a {@link WebSocketTunnel}
 * ({@code pipeline.replace}) once the 101 is written.
 *
 * <p>Flow control follows Netty's proxy pattern: auto-read is off on both sides and the next chunk
 * is read only after the previous one was written, so a slow peer slows the other side down instead
 * of filling memory. Bodies are streamed chunk by chunk, never aggregated. HTTP/1.1 pipelining is
 * served in order because a {@link io.netty.handler.flow.FlowControlHandler} in front of this handler
 * holds the requests that one socket read decoded and hands over one message per {@code read()}; this
 * handler keeps at most one {@code read()} outstanding.
 *
 * <p>Before anything is forwarded the request's authority must be covered by the certificate served
 * on the connection ({@link AuthorityCheck}), else 421 Misdirected Request. Every exchange ends in
 * exactly one {@link dev.gatehouse.tls.observe.RequestRecord} handed to the
 * {@link ProxyServices#observer() observer}: answered by a backend, by Gatehouse itself (with a
 * {@code cause}), or cut short (status 0 when nothing was sent). Timings are {@link System#nanoTime()}
 * differences taken on this channel's event loop.
 *
 * <p>With {@code http2}, serves one HTTP/2 stream as HTTP objects (a child channel behind Netty's
 * frame-to-object codec): the path before the frame-level proxy, kept behind
 * {@code -Dgatehouse.http2.frameProxy=false}.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter implements FrontHandler {

    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);
    /**
     * How long a drained keep-alive connection waits for a request the client may already have sent
     * (it cannot know of the drain yet): that request is answered with {@code Connection: close}
     * instead of the connection closing under it.
     */
    static final long DRAIN_GRACE_MS = 200;

    private final ProxyServices services;
    private final boolean http2;
    private final int localPort;
    private final RequestAdmission admission;
    private final Http1Exchange exchange;
    private ChannelHandlerContext ctx;
    private HeadTimeoutHandler headTimer;
    /** A {@code read()} was asked for and no message has arrived since. */
    private boolean readPending;
    private boolean started;
    private boolean draining;
    private boolean graceStarted;
    /**
     * The client's address and whether it is a trusted proxy, looked up at the first request: they
     * do not change for the connection's life (a PROXY header is read before any request).
     */
    private boolean clientKnown;
    private InetAddress client;
    private boolean trustedClient;

    /**
     * @param http2     true when this handler serves one HTTP/2 stream (a child channel)
     * @param localPort the listener's port, for {@code X-Forwarded-Port}
     * @param covered   the names of the certificate served on this connection
     *                  ({@link CoveredNames#servedOn}); {@code null} covers nothing, every request gets 421
     */
    public ProxyHandler(ProxyServices services, boolean http2, int localPort, CoveredNames covered) {
        this(services, BackendLeases.of(services.connector()), http2, localPort, covered);
    }

    ProxyHandler(ProxyServices services, BackendLeases backends, boolean http2, int localPort, CoveredNames covered) {
        this.services = services;
        this.http2 = http2;
        this.localPort = localPort;
        this.admission = new RequestAdmission(services, covered);
        this.exchange = new Http1Exchange(this, services, backends, admission, http2);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.headTimer = ctx.pipeline().get(HeadTimeoutHandler.class);
        exchange.bind(ctx);
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start();
        ctx.fireChannelActive();
    }

    private void start() {
        if (!started) {
            started = true;
            ctx.channel().config().setAutoRead(false);
            read();
        }
    }

    /** Asks for the next message, unless a read is already outstanding (which would deliver two). */
    void read() {
        if (!readPending) {
            readPending = true;
            ctx.read();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (readPending && exchange.state != Http1Exchange.State.CLOSED) {
            // The read cycle ended without a message for us (half a request head, a TLS record
            // fragment): the flow-control handler counts that as the read's answer, so ask again.
            readPending = false;
            read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readPending = false;
        if (HeadTimeoutHandler.answered(ctx.channel())) {
            // the half head the 408 answered, decoded as a bad request when the connection closes: one
            // exchange, one record (the 408's)
            ReferenceCountUtil.release(msg);
            return;
        }
        switch (exchange.state) {
            case CLOSED, TUNNEL -> ReferenceCountUtil.release(msg);
            case DISCARDING -> exchange.discard(msg);
            default -> {
                if (msg instanceof HttpRequest req) {
                    if (headTimer != null) {
                        headTimer.headReceived();
                    }
                    exchange.onRequest(req);
                } else if (msg instanceof HttpContent content && exchange.state == Http1Exchange.State.FORWARDING) {
                    exchange.onRequestBody(content);
                } else {
                    ReferenceCountUtil.release(msg);
                    read();
                }
            }
        }
    }

    /** The exchange is over and the connection stays: the next request head may come. */
    void nextRequest() {
        exchange.reset();
        if (headTimer != null) {
            headTimer.awaitNextHead();
        }
        read();
        if (draining) {
            awaitLastRequest(); // drained after the response head said keep-alive
        }
    }

    /**
     * Drained with no request in progress: closes after {@link #DRAIN_GRACE_MS} unless a request has
     * begun by then (that one is answered with {@code Connection: close}, and the connection closes
     * after it).
     */
    private void awaitLastRequest() {
        if (graceStarted) {
            return;
        }
        graceStarted = true;
        ctx.executor().schedule(() -> {
            if (exchange.state == Http1Exchange.State.IDLE) {
                ctx.close();
            }
        }, DRAIN_GRACE_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * The backend answered a WebSocket upgrade with 101 and it was written: from here the connection
     * carries bytes both ways. The HTTP handlers leave the pipeline and this handler's place goes to a
     * {@link WebSocketTunnel}, which writes the upgrade's record when it closes.
     */
    void startTunnel(Channel backend, ExchangeRecord rec) {
        services.metrics().increment("proxy.websocket_tunnels");
        WebSocketTunnel tunnel = new WebSocketTunnel(services, rec, admission.covered(), backend);
        ChannelHandlerContext c = ctx;
        c.pipeline().replace(this, c.name(), tunnel);
        for (Map.Entry<String, ChannelHandler> e : c.pipeline().toMap().entrySet()) {
            if (isHttpLayer(e.getValue())) {
                c.pipeline().remove(e.getValue());
            }
        }
        tunnel.start();
    }

    private static boolean isHttpLayer(ChannelHandler h) {
        return h instanceof HttpServerCodec
                || h instanceof HttpServerExpectContinueHandler
                || h instanceof HttpServerKeepAliveHandler
                || h instanceof HeadTimeoutHandler
                || h instanceof IdleStateHandler;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        exchange.onClientClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (exchange.state == Http1Exchange.State.IDLE) {
                services.metrics().increment("http.idle_timeout");
                ctx.close();
            }
            return;
        }
        if (evt == DrainEvent.INSTANCE) {
            draining = true;
            if (exchange.state == Http1Exchange.State.IDLE && !http2) {
                awaitLastRequest();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            services.metrics().increment("http.header_too_large");
        }
        log.debug("event=client_error client={} cause={}", ClientAddress.of(ctx.channel()), cause.toString());
        if (exchange.state == Http1Exchange.State.FORWARDING) {
            exchange.record("client_error");
        }
        exchange.closeAll();
    }

    // ---- what the exchange uses ---------------------------------------------------------------

    boolean draining() {
        return draining;
    }

    int localPort() {
        return localPort;
    }

    @Override
    public Channel connection() {
        return http2 && ctx.channel().parent() != null ? ctx.channel().parent() : ctx.channel();
    }

    @Override
    public InetAddress clientAddress() {
        knowClient();
        return client;
    }

    /** Whether the client is a trusted proxy (its forwarding headers are extended, not replaced). */
    boolean trustedClient() {
        knowClient();
        return trustedClient;
    }

    private void knowClient() {
        if (!clientKnown) {
            clientKnown = true;
            InetSocketAddress a = ClientAddress.of(ctx.channel());
            client = a == null ? null : a.getAddress();
            trustedClient = client != null && services.settings().trustedProxies().contains(client.getHostAddress());
        }
    }
}
