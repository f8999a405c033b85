package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.net.ClientAddress;
import dev.gatehouse.tls.sni.CoveredNames;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proxies one HTTP/2 connection at frame level: sits right after Netty's {@code Http2FrameCodec} and
 * keeps one small {@link Http2Exchange} per stream, instead of a child channel and pipeline per stream
 * ({@code Http2MultiplexHandler}), which is what made HTTP/2 cost twice what HTTP/1.1 did per request.
 *
 * <p>Flow control is per stream and tied to the backend: a DATA frame's bytes are handed back to the
 * client's window ({@code WINDOW_UPDATE}) only once the backend write of those bytes is done, so a
 * slow backend stops its own stream's client at one window (and the connection window is large
 * enough that it never stops the others). The other way, the next chunk of a backend response is
 * read only when the previous one was written to the client, which waits for the client's window:
 * a slow reader holds back its own backend connection, never the other streams.
 *
 * <p>Backend connections are HTTP/1.1, pooled per event loop ({@link BackendConnector}) and reused
 * across streams and connections. Only the connection's event loop touches this handler and its
 * exchanges.
 */
public final class Http2ProxyHandler extends ChannelInboundHandlerAdapter implements FrontHandler {

    private static final Logger log = LoggerFactory.getLogger(Http2ProxyHandler.class);

    final ProxyServices services;
    final BackendLeases backends;
    final int localPort;
    /** Limits, authority, policy and route for the connection's streams (one policy lookup cache for all). */
    final RequestAdmission admission;
    private final int connectionWindowIncrement;
    private final IntObjectMap<Http2Exchange> exchanges = new IntObjectHashMap<>();
    private ChannelHandlerContext ctx;
    private InetAddress client;
    private boolean trustedClient;

    /**
     * @param localPort                 the listener's port, for {@code X-Forwarded-Port}
     * @param covered                   the names of the certificate served on this connection; {@code null}
     *                                  covers nothing (every request gets 421)
     * @param connectionWindowIncrement added to the connection's receive window at start, so that streams
     *                                  whose backends are slow cannot use up the connection window of
     *                                  the others (0 for none)
     */
    public Http2ProxyHandler(ProxyServices services, int localPort, CoveredNames covered,
            int connectionWindowIncrement) {
        this(services, BackendLeases.of(services.connector()), localPort, covered, connectionWindowIncrement);
    }

    Http2ProxyHandler(ProxyServices services, BackendLeases backends, int localPort, CoveredNames covered,
            int connectionWindowIncrement) {
        this.services = services;
        this.backends = backends;
        this.localPort = localPort;
        this.admission = new RequestAdmission(services, covered);
        this.connectionWindowIncrement = connectionWindowIncrement;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        InetSocketAddress a = ClientAddress.of(ctx.channel()); // the PROXY header's source when there was one
        client = a == null ? null : a.getAddress();
        trustedClient = client != null && services.settings().trustedProxies().contains(client.getHostAddress());
        if (connectionWindowIncrement > 0) {
            ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(connectionWindowIncrement));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame headers) {
            Http2FrameStream stream = headers.stream();
            Http2Exchange x = exchanges.get(stream.id());
            if (x == null) {
                x = new Http2Exchange(this, stream);
                exchanges.put(stream.id(), x);
                x.onRequestHeaders(headers);
            } else {
                x.onTrailers(headers);
            }
        } else if (msg instanceof Http2DataFrame data) {
            Http2Exchange x = exchanges.get(data.stream().id());
            if (x == null) {
                returnWindow(data.stream(), data.initialFlowControlledBytes());
                data.release();
            } else {
                x.onRequestData(data);
            }
        } else if (msg instanceof Http2ResetFrame reset) {
            Http2Exchange x = exchanges.get(reset.stream().id());
            if (x != null) {
                x.onClientGone("client_closed");
            }
        } else {
            // SETTINGS, PING, GOAWAY from the client (it opens no new streams; ours finish), PRIORITY,
            // unknown frames: the codec has done what they ask
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2FrameStreamEvent e) {
            if (e.type() == Http2FrameStreamEvent.Type.State && e.stream().state() == Http2Stream.State.CLOSED) {
                Http2Exchange x = exchanges.get(e.stream().id());
                if (x != null) {
                    x.onStreamClosed(); // e.g. reset by the codec for a stream error, or a GOAWAY's cut-off
                }
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            if (exchanges.isEmpty()) {
                services.metrics().increment("http.idle_timeout");
                ctx.close(); // the codec sends GOAWAY first
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException se) {
            // A stream error on a stream the codec knows (a malformed request: a required pseudo-header
            // missing, content-length not matching the DATA, ...): Http2FrameCodec leaves the reset to
            // the application (a child channel would close), so it is answered here (RFC 9113 §5.4.2).
            log.debug("event=h2_stream_error client={} stream={} error={} cause={}", ClientAddress.of(ctx.channel()),
                    se.stream().id(), se.error(), se.getMessage());
            services.metrics().increment("http2.stream_errors");
            Http2Exchange x = exchanges.get(se.stream().id());
            if (x != null) {
                x.onClientGone("client_error");
            }
            reset(se.stream(), se.error());
            return;
        }
        log.debug("event=client_error client={} cause={}", ClientAddress.of(ctx.channel()), cause.toString());
        abortAll("client_error");
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        abortAll("client_closed");
        ctx.fireChannelInactive();
    }

    private void abortAll(String why) {
        if (exchanges.isEmpty()) {
            return;
        }
        for (Http2Exchange x : new ArrayList<>(exchanges.values())) {
            x.onClientGone(why);
        }
        exchanges.clear();
    }

    // ---- what exchanges use -------------------------------------------------------------------

    @Override
    public Channel connection() {
        return ctx.channel();
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    @Override
    public InetAddress clientAddress() {
        return client;
    }

    boolean trustedClient() {
        return trustedClient;
    }

    /** Number of streams with an exchange in progress. */
    int activeExchanges() {
        return exchanges.size();
    }

    void removed(Http2Exchange x) {
        exchanges.remove(x.streamId(), x);
    }

    ChannelFuture write(Object frame) {
        return ctx.write(frame);
    }

    void flush() {
        ctx.flush();
    }

    /** Returns {@code bytes} of a stream's received DATA to the client's window (and the connection's). */
    void returnWindow(Http2FrameStream stream, int bytes) {
        if (bytes > 0 && stream.state() != Http2Stream.State.CLOSED && ctx.channel().isActive()) {
            ctx.write(new DefaultHttp2WindowUpdateFrame(bytes).stream(stream));
            ctx.flush();
        }
    }

    /** Resets a stream (RFC 9113 §6.4), unless it is already closed. */
    void reset(Http2FrameStream stream, Http2Error error) {
        if (stream.state() != Http2Stream.State.CLOSED && ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(error).stream(stream));
        }
    }
}
