package dev.gatehouse.tls.sni;

import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.metrics.EdgeMetrics.HandshakeFailure;
import dev.gatehouse.tls.net.ClientAddress;
import dev.gatehouse.tls.observe.HandshakeRecord;
import dev.gatehouse.tls.observe.RequestObserver;
import io.netty.channel.Channel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the ClientHello, looks the server name up in the {@link CertificateRegistry} and replaces
 * itself with an {@link SslHandler} for the chosen certificate. One instance per connection.
 *
 * <p>The lookup completes at once when the certificate's key material is cached; on the first
 * handshake for a certificate (or after eviction) the material is built off the event loop and the
 * lookup completes from there, while the connection waits with reads suspended
 * ({@link AbstractSniHandler}'s asynchronous lookup). Either way the handshake then runs on a
 * context shared by all tenants, with this connection's certificate attached to its engine.
 *
 * <p>Unknown names get a fatal {@code unrecognized_name} alert (RFC 6066 §3) and a missing SNI a
 * {@code handshake_failure} alert, unless a default certificate is configured; either way no
 * certificate is sent. The ClientHello size limit and the handshake timeout come from
 * {@link AbstractSniHandler}; the same timeout is applied to the {@code SslHandler}.
 */
public final class TenantSniHandler extends AbstractSniHandler<Selected> {

    private static final Logger log = LoggerFactory.getLogger(TenantSniHandler.class);

    /**
     * The names of the certificate bundle a connection was given (its id included), set when the
     * bundle is chosen, before the handshake; requests for other names get 421.
     */
    public static final AttributeKey<CoveredNames> SERVED_BUNDLE = AttributeKey.valueOf("gatehouse.bundle");
    /** The normalized SNI of a connection. */
    public static final AttributeKey<String> SNI = AttributeKey.valueOf("gatehouse.sni");
    /** What the completed handshake negotiated, and how long it took (see {@link ConnectionTls}). */
    public static final AttributeKey<ConnectionTls> TLS = AttributeKey.valueOf("gatehouse.tls");
    /** {@link System#nanoTime()} at the connection's first ClientHello byte. */
    public static final AttributeKey<Long> HANDSHAKE_START = AttributeKey.valueOf("gatehouse.handshakeStart");

    private static final byte ALERT_HANDSHAKE_FAILURE = 40;
    private static final byte ALERT_ACCESS_DENIED = 49;
    private static final byte ALERT_INTERNAL_ERROR = 80;
    private static final byte ALERT_PROTOCOL_VERSION = 70;
    private static final byte ALERT_UNRECOGNIZED_NAME = 112;

    private final CertificateRegistry registry;
    private final EdgeMetrics metrics;
    private final RequestObserver observer;
    private final dev.gatehouse.tls.policy.PolicyIndex policies;
    private final String sslHandlerName;
    private ClientHelloInfo hello = ClientHelloInfo.UNKNOWN;
    private boolean noClientHello;
    private boolean refused;
    private long startNanos;
    private long startEpochMillis;

    public TenantSniHandler(CertificateRegistry registry, EdgeMetrics metrics, int maxClientHelloLength,
            long handshakeTimeoutMillis, String sslHandlerName) {
        this(registry, metrics, RequestObserver.NONE, maxClientHelloLength, handshakeTimeoutMillis, sslHandlerName);
    }

    /** @param observer told of every handshake: completed here, refused here or in the pipeline after us */
    public TenantSniHandler(CertificateRegistry registry, EdgeMetrics metrics, RequestObserver observer,
            int maxClientHelloLength, long handshakeTimeoutMillis, String sslHandlerName) {
        this(registry, metrics, observer, new dev.gatehouse.tls.policy.PolicyIndex(), maxClientHelloLength,
                handshakeTimeoutMillis, sslHandlerName);
    }

    /**
     * @param policies hostname policies: a name's minimum TLS version, and its IP lists when they refuse
     *                 with an alert, apply before its handshake starts
     */
    public TenantSniHandler(CertificateRegistry registry, EdgeMetrics metrics, RequestObserver observer,
            dev.gatehouse.tls.policy.PolicyIndex policies, int maxClientHelloLength, long handshakeTimeoutMillis,
            String sslHandlerName) {
        super(maxClientHelloLength, handshakeTimeoutMillis);
        this.registry = registry;
        this.metrics = metrics;
        this.observer = observer;
        this.policies = policies;
        this.sslHandlerName = sslHandlerName;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, java.util.List<Object> out) throws Exception {
        if (startNanos == 0) {
            startNanos = System.nanoTime();
            startEpochMillis = System.currentTimeMillis();
            ctx.channel().attr(HANDSHAKE_START).set(startNanos);
        }
        if (refused) {
            in.skipBytes(in.readableBytes()); // the alert is on its way and the connection closing
            return;
        }
        super.decode(ctx, in, out);
    }

    @Override
    protected Future<Selected> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) throws Exception {
        // Netty hands us null when the first record is not a TLS handshake carrying a ClientHello
        noClientHello = clientHello == null;
        hello = ClientHelloInfo.parse(clientHello);
        return super.lookup(ctx, clientHello);
    }

    @Override
    protected Future<Selected> lookup(ChannelHandlerContext ctx, String hostname) {
        if (noClientHello || !hello.modernVersion()) {
            return ctx.executor().newSucceededFuture(null); // refused whatever the name; build nothing for it
        }
        return registry.acquireForHandshake(hostname, hello.ecdsaSupported(), ctx.executor());
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Selected> future) {
        Selected selected = future.getNow();
        try {
            onSelected(ctx, hostname, future, selected);
        } finally {
            if (selected != null) {
                selected.material().release(); // the engine holds what it needs by now
            }
        }
    }

    private void onSelected(ChannelHandlerContext ctx, String hostname, Future<Selected> future, Selected selected) {
        if (!future.isSuccess()) {
            log.warn("event=key_material_failed sni={} cause={}", hostname, String.valueOf(future.cause()));
            refuse(ctx, HandshakeFailure.CONTEXT_ERROR, ALERT_INTERNAL_ERROR, hostname);
            return;
        }
        if (!ctx.channel().isActive()) {
            return; // the client left while the key material was built
        }
        if (noClientHello) {
            refuse(ctx, HandshakeFailure.NOT_TLS, ALERT_HANDSHAKE_FAILURE, null);
            return;
        }
        if (!hello.modernVersion()) {
            refuse(ctx, HandshakeFailure.PROTOCOL_VERSION, ALERT_PROTOCOL_VERSION, hostname);
            return;
        }
        if (selected == null) {
            if (hostname == null) {
                refuse(ctx, HandshakeFailure.NO_SNI, ALERT_HANDSHAKE_FAILURE, null);
            } else {
                refuse(ctx, HandshakeFailure.UNKNOWN_SNI, ALERT_UNRECOGNIZED_NAME, hostname);
            }
            return;
        }
        dev.gatehouse.tls.policy.HostPolicy policy = policies.forName(hostname);
        if (policy != null) {
            if (policy.tls13Only() && !hello.tls13()) {
                // the name asks for TLS 1.3 and this client offers at most 1.2 (RFC 8446 §4.2.1)
                refuse(ctx, HandshakeFailure.PROTOCOL_VERSION, ALERT_PROTOCOL_VERSION, hostname);
                return;
            }
            if (policy.denyWithAlert() && !policy.allows(clientAddress(ctx))) {
                refuse(ctx, HandshakeFailure.ACCESS_DENIED, ALERT_ACCESS_DENIED, hostname);
                return;
            }
        }
        Served served = selected.served();
        SslHandler sslHandler = null;
        try {
            sslHandler = selected.material().newHandler(ctx.alloc(), served);
            if (policy != null && policy.tls13Only()) {
                // and the engine may not settle for less, whatever the ClientHello parse said
                sslHandler.engine().setEnabledProtocols(new String[] {"TLSv1.3"});
            }
            sslHandler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
            ctx.channel().attr(SERVED_BUNDLE).set(served.covered);
            ctx.channel().attr(SNI).set(hostname);
            log.debug("event=sni_selected sni={} bundle={}", hostname, served.bundle.id());
            observeCompletion(ctx.channel(), sslHandler, served.bundle.id(), hostname);
            ctx.pipeline().replace(this, sslHandlerName, sslHandler);
            sslHandler = null;
        } catch (Exception e) {
            log.warn("event=tls_context_failed sni={} bundle={} cause={}", hostname, served.bundle.id(), e.toString());
            refuse(ctx, HandshakeFailure.CONTEXT_ERROR, ALERT_INTERNAL_ERROR, hostname);
        } finally {
            if (sslHandler != null) {
                ReferenceCountUtil.safeRelease(sslHandler.engine());
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        HandshakeFailure reason = root instanceof NotSslRecordException ? HandshakeFailure.NOT_TLS
                : root instanceof TooLongFrameException ? HandshakeFailure.CLIENT_HELLO_TOO_LARGE
                : HandshakeFailure.OTHER;
        metrics.handshakeFailed(reason);
        observer.onHandshake(refusedRecord(ctx.channel(), reason, null));
        log.debug("event=client_hello_rejected client={} cause={}", ClientAddress.of(ctx.channel()), root.toString());
        ctx.close();
    }

    private void refuse(ChannelHandlerContext ctx, HandshakeFailure reason, byte alert, String hostname) {
        if (refused) {
            return;
        }
        refused = true;
        metrics.handshakeFailed(reason);
        observer.onHandshake(refusedRecord(ctx.channel(), reason, hostname));
        log.debug("event=handshake_refused reason={} sni={} client={}", reason, hostname, ClientAddress.of(ctx.channel()));
        // A fatal alert record (RFC 8446 §6): content type 21, legacy version TLS 1.2, level 2 = fatal.
        ByteBuf record = Unpooled.wrappedBuffer(new byte[] {21, 3, 3, 0, 2, 2, alert});
        ctx.writeAndFlush(record).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * When the handshake on {@code sslHandler} succeeds, records what it negotiated on the channel
     * ({@link #TLS}) and reports it. The promise completes before the handshake event travels the
     * pipeline, so the attribute is set before ALPN builds the HTTP handlers.
     */
    private void observeCompletion(Channel ch, SslHandler sslHandler, String bundleId, String hostname) {
        long start = startNanos;
        long startMillis = startEpochMillis;
        sslHandler.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                return; // classified (and reported) by the ALPN handler
            }
            ConnectionTls tls = ConnectionTls.read(sslHandler.engine(), bundleId, start, startMillis);
            ch.attr(TLS).set(tls);
            observer.onHandshake(new HandshakeRecord(System.currentTimeMillis(), remote(ch), hostname, bundleId,
                    tls.resumed() ? "resumed" : "full", tls.tlsVersion(), tls.cipher(), tls.group(),
                    tls.handshakeNanos()));
        });
    }

    /**
     * The record of a handshake refused for {@code reason}; {@code outcome} is the reason's lower-case
     * name ({@code unknown_sni}), the suffix of its counter.
     */
    public static HandshakeRecord refusedRecord(Channel ch, HandshakeFailure reason, String sni) {
        Long start = ch.attr(HANDSHAKE_START).get();
        return new HandshakeRecord(System.currentTimeMillis(), remote(ch), sni, null,
                reason.name().toLowerCase(Locale.ROOT), null, null, null,
                start == null ? -1 : System.nanoTime() - start);
    }

    private static java.net.InetAddress clientAddress(ChannelHandlerContext ctx) {
        InetSocketAddress a = ClientAddress.of(ctx.channel()); // the PROXY header's source when there was one
        return a == null ? null : a.getAddress();
    }

    private static InetSocketAddress remote(Channel ch) {
        return ClientAddress.of(ch);
    }
}
