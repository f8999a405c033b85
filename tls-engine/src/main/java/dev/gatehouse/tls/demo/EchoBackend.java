package dev.gatehouse.tls.demo;

import dev.gatehouse.tls.net.PlainResponses;
import dev.gatehouse.tls.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small HTTP/1.1 origin server for the demo and the tests. It answers what it saw (method, path,
 * headers, body size) and has a few endpoints to exercise a proxy:
 * <ul>
 *   <li>{@code /healthz}: 200 {@code ok}</li>
 *   <li>{@code /slow?ms=N}: answers after N ms</li>
 *   <li>{@code /bytes?n=N}: streams N bytes, chunked</li>
 *   <li>{@code /status/N}: answers with status N</li>
 *   <li>{@code /echo}: streams the request body back</li>
 *   <li>a WebSocket upgrade: 101, then echoes raw bytes</li>
 * </ul>
 */
public final class EchoBackend implements AutoCloseable {

    private final String name;
    private final EventLoopGroup group;
    private final Channel listener;
    private final AtomicLong requests = new AtomicLong();

    private EchoBackend(String name, EventLoopGroup group, Channel listener) {
        this.name = name;
        this.group = group;
        this.listener = listener;
    }

    /** Starts a backend on {@code host:port} (port 0 picks one); {@code name} shows in every answer. */
    public static EchoBackend start(String name, String host, int port) throws InterruptedException {
        Transport t = Transport.best();
        EventLoopGroup group = t.newGroup(1, "echo-backend");
        EchoBackend[] self = new EchoBackend[1];
        Channel ch = new ServerBootstrap().group(group).channel(t.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpServerCodec()).addLast(new Handler(self[0]));
                    }
                })
                .bind(host, port).sync().channel();
        self[0] = new EchoBackend(name, group, ch);
        return self[0];
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public String name() {
        return name;
    }

    /** Requests answered so far. */
    public long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Handler extends ChannelInboundHandlerAdapter {
        private static final byte[] CHUNK = new byte[16 * 1024];

        static {
            java.util.Arrays.fill(CHUNK, (byte) 'x');
        }

        private final EchoBackend backend;
        private HttpRequest request;
        private long bodyBytes;
        private boolean echo;
        private boolean tunnel;

        Handler(EchoBackend backend) {
            this.backend = backend;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (tunnel) {
                ctx.writeAndFlush(msg);
                return;
            }
            if (msg instanceof HttpRequest req) {
                request = req;
                bodyBytes = 0;
                echo = req.uri().startsWith("/echo");
                if (req.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
                    upgrade(ctx, req);
                    ReferenceCountUtil.release(msg);
                    return;
                }
                if (echo) {
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    HttpUtil.setTransferEncodingChunked(head, true);
                    head.headers().set("x-backend", backend.name);
                    ctx.write(head);
                }
            }
            if (msg instanceof HttpContent content) {
                bodyBytes += content.content().readableBytes();
                if (echo) {
                    if (content.content().isReadable()) {
                        ctx.writeAndFlush(new DefaultHttpContent(content.content().retain()));
                    }
                }
                if (msg instanceof LastHttpContent) {
                    backend.requests.incrementAndGet();
                    if (echo) {
                        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                    } else {
                        answer(ctx);
                    }
                }
            }
            ReferenceCountUtil.release(msg);
        }

        private void upgrade(ChannelHandlerContext ctx, HttpRequest req) {
            try {
                String key = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY, "");
                byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(
                        (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
                HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
                r.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
                r.headers().set(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT, Base64.getEncoder().encodeToString(sha1));
                ctx.writeAndFlush(r).addListener(f -> {
                    ctx.pipeline().remove(HttpServerCodec.class);
                    tunnel = true;
                });
            } catch (Exception e) {
                ctx.close();
            }
        }

        private void answer(ChannelHandlerContext ctx) {
            HttpRequest req = request;
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            String path = q.path();
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (path.equals("/slow")) {
                long ms = Long.parseLong(q.parameters().getOrDefault("ms", java.util.List.of("100")).get(0));
                ctx.executor().schedule(() -> send(ctx, HttpResponseStatus.OK, "slow " + ms + "\n", keepAlive),
                        ms, TimeUnit.MILLISECONDS);
                return;
            }
            if (path.equals("/bytes")) {
                long n = Long.parseLong(q.parameters().getOrDefault("n", java.util.List.of("1024")).get(0));
                streamBytes(ctx, n, keepAlive);
                return;
            }
            if (path.startsWith("/status/")) {
                int code = Integer.parseInt(path.substring("/status/".length()));
                send(ctx, HttpResponseStatus.valueOf(code), "status " + code + "\n", keepAlive);
                return;
            }
            if (path.equals("/healthz")) {
                send(ctx, HttpResponseStatus.OK, "ok\n", keepAlive);
                return;
            }
            StringBuilder b = new StringBuilder();
            b.append("backend: ").append(backend.name).append('\n');
            b.append("request: ").append(req.method()).append(' ').append(req.uri()).append('\n');
            for (Map.Entry<String, String> h : req.headers()) {
                b.append(h.getKey().toLowerCase(java.util.Locale.ROOT)).append(": ").append(h.getValue()).append('\n');
            }
            b.append("body-bytes: ").append(bodyBytes).append('\n');
            send(ctx, HttpResponseStatus.OK, b.toString(), keepAlive);
        }

        private void streamBytes(ChannelHandlerContext ctx, long n, boolean keepAlive) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setTransferEncodingChunked(head, true);
            head.headers().set("x-backend", backend.name);
            ctx.writeAndFlush(head);
            writeChunks(ctx, n, keepAlive);
        }

        /** Writes {@code left} bytes 256 KiB at a time, each batch after the previous one was written. */
        private void writeChunks(ChannelHandlerContext ctx, long left, boolean keepAlive) {
            if (!ctx.channel().isActive()) {
                return;
            }
            long remaining = left;
            io.netty.channel.ChannelFuture lastWrite = null;
            for (int i = 0; i < 16 && remaining > 0; i++) {
                int len = (int) Math.min(CHUNK.length, remaining);
                lastWrite = ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(CHUNK, 0, len)));
                remaining -= len;
            }
            if (remaining == 0) {
                var f = ctx.writeAndFlush(new DefaultLastHttpContent());
                if (!keepAlive) {
                    f.addListener(ChannelFutureListener.CLOSE);
                }
                return;
            }
            ctx.flush();
            long next = remaining;
            lastWrite.addListener(f -> {
                if (f.isSuccess()) {
                    writeChunks(ctx, next, keepAlive);
                }
            });
        }

        private void send(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
            ByteBuf content = ByteBufUtil.writeUtf8(ctx.alloc(), body);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            r.headers().set("x-backend", backend.name);
            PlainResponses.write(ctx, r, keepAlive);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
