package dev.gatehouse.tls.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayInputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A small HTTP/2 client on Netty for the tests that curl and h2load cannot express: a stream that
 * stops reading (its window is not returned), a reset sent mid-exchange, a GOAWAY, hand-made
 * (malformed) header blocks. One TLS connection; each {@link #open} is one stream (a child channel on
 * the client side, which returns a stream's window as its frames are read).
 */
public final class H2Client implements AutoCloseable {

    /** Request bodies and their check: byte {@code i} of a body is {@code PATTERN[i % PATTERN.length]}. */
    private static final byte[] PATTERN = new byte[16381]; // prime: chunks of 16 KiB never line up with it
    private static final ByteBuf PATTERN_TWICE;

    static {
        new java.util.Random(42).nextBytes(PATTERN);
        byte[] twice = new byte[PATTERN.length + 16 * 1024];
        for (int i = 0; i < twice.length; i++) {
            twice[i] = PATTERN[i % PATTERN.length];
        }
        PATTERN_TWICE = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(twice));
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final CompletableFuture<Http2GoAwayFrame> goAway = new CompletableFuture<>();
    private final Channel channel;

    private H2Client(int port, String host, byte[] caPem) throws Exception {
        SslContext ssl = SslContextBuilder.forClient().trustManager(new ByteArrayInputStream(caPem))
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
        Channel ch;
        try {
            ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(ssl.newHandler(c.alloc(), host, port));
                            c.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                    .initialSettings(Http2Settings.defaultSettings().initialWindowSize(65535))
                                    .build());
                            c.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                            c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    if (msg instanceof Http2GoAwayFrame g && !goAway.isDone()) {
                                        goAway.complete(g.retain());
                                    }
                                    ReferenceCountUtil.release(msg);
                                }
                            });
                        }
                    })
                    .connect("127.0.0.1", port).sync().channel();
            ch.pipeline().get(SslHandler.class).handshakeFuture().sync();
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        channel = ch;
        // a large connection window: a stream that stops reading must not stop the others at our end
        ch.writeAndFlush(new DefaultHttp2WindowUpdateFrame(64 * 1024 * 1024)).sync();
    }

    /** Connects over TLS (SNI {@code host}, ALPN h2, trusting {@code caPem}) to 127.0.0.1:{@code port}. */
    public static H2Client connect(int port, String host, byte[] caPem) throws Exception {
        return new H2Client(port, host, caPem);
    }

    /** Request headers for {@code method path} on {@code host}. */
    public static Http2Headers headers(String method, String host, String path) {
        return new DefaultHttp2Headers().method(method).scheme("https").authority(host).path(path);
    }

    /** What one stream sent, and what it got back. */
    public static final class Stream {
        private final Request request;
        public final CompletableFuture<Stream> done = new CompletableFuture<>();
        public volatile Http2Headers headers;
        public volatile long bytes;
        /** -1 unless the server reset the stream. */
        public volatile long resetCode = -1;
        /** Offset of the first body byte that differs from the pattern, or -1. */
        public volatile long mismatchAt = -1;
        public volatile Http2StreamChannel channel;
        /** Request body bytes written so far. */
        public volatile long sent;
        /** {@link #openUnlessGoingAway}: not sent, the server's GOAWAY had been read. */
        public volatile boolean notSent;

        private Stream(Request request) {
            this.request = request;
        }

        public int status() {
            return headers == null ? 0 : Integer.parseInt(headers.status().toString());
        }

        /** Reads on (after {@code open(..., autoRead=false)}): returns the stream's window as it goes. */
        public void resumeReading() {
            channel.eventLoop().execute(() -> channel.config().setAutoRead(true));
        }

        /** Sends RST_STREAM(CANCEL). */
        public void cancel() {
            channel.close();
        }

        @Override
        public String toString() {
            return "stream " + (channel == null ? "?" : channel.stream().id()) + " status=" + status() + " bytes="
                    + bytes + " sent=" + sent + " writable=" + (channel != null && channel.isWritable()) + " reset=" + resetCode
                    + " mismatchAt=" + mismatchAt;
        }
    }

    /**
     * Opens a stream and sends {@code headers}, then {@code bodyBytes} of the pattern (none when 0,
     * and then HEADERS carries END_STREAM).
     *
     * @param verifyPattern the response body must be the pattern (an echo of such a request)
     * @param autoRead      false: the stream reads nothing (and returns no window) until
     *                      {@link Stream#resumeReading}
     */
    public Stream open(Http2Headers headers, long bodyBytes, boolean verifyPattern, boolean autoRead) throws Exception {
        return open(new Request(headers, bodyBytes, verifyPattern, false), autoRead);
    }

    /**
     * Opens a stream without a body as a well-behaved client does: not at all once the server's GOAWAY
     * has been read (RFC 9113 §6.8: no new streams after it), decided on the connection's event loop,
     * so that no stream goes out after the GOAWAY was read; then {@link Stream#notSent} is true and
     * {@link Stream#done} is complete.
     */
    public Stream openUnlessGoingAway(Http2Headers headers) throws Exception {
        return open(new Request(headers, 0, false, true), true);
    }

    private Stream open(Request request, boolean autoRead) throws Exception {
        Stream s = new Stream(request);
        Http2StreamChannel child = new Http2StreamChannelBootstrap(channel)
                .option(ChannelOption.AUTO_READ, autoRead)
                .handler(new StreamHandler(s, goAway))
                .open().sync().getNow();
        s.channel = child;
        return s;
    }

    /** Sends GOAWAY(NO_ERROR): we open no more streams; the server should finish those open. */
    public void sendGoAway() throws Exception {
        channel.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR)).sync();
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** The GOAWAY the server sent, once it did. */
    public CompletableFuture<Http2GoAwayFrame> serverGoAway() {
        return goAway;
    }

    @Override
    public void close() throws Exception {
        channel.close().await(5, TimeUnit.SECONDS);
        if (goAway.isDone()) {
            goAway.getNow(null).release();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /** What a stream sends: its headers, then {@code bodyBytes} of the pattern; {@code verify}: expect the pattern back. */
    private record Request(Http2Headers headers, long bodyBytes, boolean verify, boolean unlessGoingAway) {
    }

    private static final class StreamHandler extends ChannelInboundHandlerAdapter {
        private final Stream s;
        private final CompletableFuture<?> goAway;
        private long sent;

        StreamHandler(Stream s, CompletableFuture<?> goAway) {
            this.s = s;
            this.goAway = goAway;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (s.request.unlessGoingAway() && goAway.isDone()) { // completed on this event loop, when it was read
                s.notSent = true;
                s.done.complete(s);
                ctx.close();
                return;
            }
            ctx.write(new DefaultHttp2HeadersFrame(s.request.headers(), s.request.bodyBytes() == 0)).addListener(f -> {
                if (!f.isSuccess()) {
                    s.done.completeExceptionally(f.cause());
                }
            });
            ctx.flush();
            writeBody(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            writeBody(ctx);
        }

        private void writeBody(ChannelHandlerContext ctx) {
            boolean wrote = false;
            long bodyBytes = s.request.bodyBytes();
            while (sent < bodyBytes && ctx.channel().isWritable()) {
                int n = (int) Math.min(16 * 1024, bodyBytes - sent);
                ByteBuf chunk = PATTERN_TWICE.retainedSlice((int) (sent % PATTERN.length), n);
                sent += n;
                s.sent = sent;
                ctx.write(new DefaultHttp2DataFrame(chunk, sent == bodyBytes));
                wrote = true;
            }
            if (wrote) {
                ctx.flush();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame h) {
                    if (s.headers == null || s.status() < 200) {
                        s.headers = h.headers();
                    }
                    if (h.isEndStream()) {
                        s.done.complete(s);
                    }
                } else if (msg instanceof Http2DataFrame d) {
                    ByteBuf c = d.content();
                    if (s.request.verify() && s.mismatchAt < 0) {
                        byte[] got = new byte[c.readableBytes()]; // one copy: the leak detector records each access
                        c.getBytes(c.readerIndex(), got);
                        for (int i = 0; i < got.length; i++) {
                            long at = s.bytes + i;
                            if (got[i] != PATTERN[(int) (at % PATTERN.length)]) {
                                s.mismatchAt = at;
                                break;
                            }
                        }
                    }
                    s.bytes += c.readableBytes();
                    if (d.isEndStream()) {
                        s.done.complete(s);
                    }
                } else if (msg instanceof Http2ResetFrame r) {
                    s.resetCode = r.errorCode();
                    s.done.complete(s);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            s.done.complete(s);
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            s.done.completeExceptionally(cause);
            ctx.close();
        }
    }
}
