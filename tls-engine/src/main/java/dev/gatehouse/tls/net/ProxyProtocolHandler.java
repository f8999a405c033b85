package dev.gatehouse.tls.net;

import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.metrics.EdgeMetrics.ProxyProtocolRefusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trusted path's end: takes the {@link HAProxyMessage} that Netty's decoder made of the header,
 * records its source and destination in {@link ClientAddress#PROXIED} (TCP over IPv4 or IPv6; for
 * the LOCAL command, the balancer's own health checks, and for UNKNOWN the socket's addresses
 * stay), and leaves the pipeline. Closes the connection, counted, when the header is malformed,
 * incomplete after {@code timeoutMillis}, or cut short by the client. One instance per connection.
 */
final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolHandler.class);

    private final long timeoutMillis;
    private final EdgeMetrics metrics;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timeout;
    /** The header was taken or refused: nothing more is counted. Event loop only. */
    private boolean decided;

    ProxyProtocolHandler(long timeoutMillis, EdgeMetrics metrics) {
        this.timeoutMillis = timeoutMillis;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            startTimeout();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startTimeout();
        ctx.fireChannelActive();
    }

    private void startTimeout() {
        if (timeout == null && !decided) {
            timeout = ctx.executor().schedule(() -> refuse(ProxyProtocolRefusal.TIMEOUT,
                    "no complete header after " + timeoutMillis + " ms"), timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (!decided) {
                accept(header);
            }
        } finally {
            header.release();
        }
    }

    private void accept(HAProxyMessage header) {
        InetSocketAddress source = null;
        InetSocketAddress destination = null;
        HAProxyProxiedProtocol proto = header.proxiedProtocol();
        if (header.command() == HAProxyCommand.PROXY
                && (proto == HAProxyProxiedProtocol.TCP4 || proto == HAProxyProxiedProtocol.TCP6)) {
            source = address(header.sourceAddress(), header.sourcePort());
            destination = address(header.destinationAddress(), header.destinationPort());
            if (source == null || destination == null) {
                refuse(ProxyProtocolRefusal.MALFORMED, "addresses " + header.sourceAddress() + " "
                        + header.destinationAddress());
                return;
            }
        }
        decided = true;
        cancelTimeout();
        if (source != null) {
            ctx.channel().attr(ClientAddress.PROXIED).set(new ClientAddress.Proxied(source, destination));
        }
        metrics.increment(header.command() == HAProxyCommand.LOCAL
                ? EdgeMetrics.PROXY_PROTOCOL_LOCAL : EdgeMetrics.PROXY_PROTOCOL_ACCEPTED);
        if (log.isDebugEnabled()) {
            log.debug("event=proxy_protocol_accepted version={} command={} protocol={} client={} via={}",
                    header.protocolVersion(), header.command(), proto, source, ctx.channel().remoteAddress());
        }
        ctx.pipeline().remove(this);
    }

    /** An address the decoder already checked as a literal; never a name lookup. */
    private static InetSocketAddress address(String literal, int port) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        if (bytes == null) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!decided && cause instanceof DecoderException) { // HAProxyProtocolException is one
            refuse(ProxyProtocolRefusal.MALFORMED, String.valueOf(cause.getMessage()));
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!decided) {
            decided = true;
            cancelTimeout();
            metrics.proxyProtocolRefused(ProxyProtocolRefusal.CLOSED);
        }
        ctx.fireChannelInactive();
    }

    /** Closes the connection for {@code reason}, counted once. Event loop only. */
    void refuse(ProxyProtocolRefusal reason, String detail) {
        if (decided) {
            return;
        }
        decided = true;
        cancelTimeout();
        metrics.proxyProtocolRefused(reason);
        log.debug("event=proxy_protocol_refused reason={} client={} detail={}", reason.metricName(),
                ctx.channel().remoteAddress(), detail);
        ctx.close();
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }
}
