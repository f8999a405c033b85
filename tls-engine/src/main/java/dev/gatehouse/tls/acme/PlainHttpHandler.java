package dev.gatehouse.tls.acme;

import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.net.PlainResponses;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import dev.gatehouse.tls.sni.Hostnames;
import java.util.regex.Pattern;

/**
 * Port 80: answers ACME HTTP-01 challenges from the {@link ChallengeStore} and redirects everything
 * else to HTTPS with 308 (keeps the method, RFC 9110 §15.4.9), or answers 404 when redirects are off.
 * A hostname policy's {@code redirectHttp} overrides that per name (off, or 301/302/307/308).
 */
@ChannelHandler.Sharable
public final class PlainHttpHandler extends SimpleChannelInboundHandler<HttpObject> {

    static final String CHALLENGE_PREFIX = "/.well-known/acme-challenge/";
    /** base64url token alphabet (RFC 8555 §8.3). */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,256}");

    /**
     * What port 80 answers besides challenges.
     *
     * @param redirect    redirect to HTTPS (308) when a name's policy says nothing; otherwise 404
     * @param httpsPort   the public HTTPS port for the Location header (443 is left out)
     * @param monitorPath answered with 200 and {@code X-Node: nodeName}; null for none
     * @param nodeName    this node's name, for {@code monitorPath}
     */
    public record Settings(boolean redirect, int httpsPort, String monitorPath, String nodeName) {
    }

    private final ChallengeStore challenges;
    private final Settings settings;
    private final EdgeMetrics metrics;
    private final dev.gatehouse.tls.policy.PolicyIndex policies;

    /**
     * Holds no state of a connection, so one instance serves every port-80 connection.
     *
     * @param policies hostname policies: a name's {@code redirectHttp} overrides {@link Settings#redirect}
     */
    public PlainHttpHandler(ChallengeStore challenges, Settings settings, EdgeMetrics metrics,
                            dev.gatehouse.tls.policy.PolicyIndex policies) {
        this.challenges = challenges;
        this.settings = settings;
        this.metrics = metrics;
        this.policies = policies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (!(msg instanceof HttpRequest req)) {
            return;
        }
        if (req.decoderResult().isFailure()) {
            respond(ctx, req, text(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request\n"), true);
            return;
        }
        String path = req.uri();
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        if (path.startsWith(CHALLENGE_PREFIX)) {
            String token = path.substring(CHALLENGE_PREFIX.length());
            String answer = TOKEN.matcher(token).matches() ? challenges.keyAuthorization(token).orElse(null) : null;
            metrics.increment(answer == null ? "acme.challenge_miss" : "acme.challenge_hit");
            FullHttpResponse r = answer == null
                    ? text(ctx, HttpResponseStatus.NOT_FOUND, "unknown challenge token\n")
                    : text(ctx, HttpResponseStatus.OK, answer);
            respond(ctx, req, r, false);
            return;
        }
        if (settings.monitorPath() != null && path.equals(settings.monitorPath())) {
            FullHttpResponse r = text(ctx, HttpResponseStatus.OK, settings.nodeName() + "\n");
            r.headers().set("X-Node", settings.nodeName());
            respond(ctx, req, r, false);
            return;
        }
        String host = req.headers().get(HttpHeaderNames.HOST);
        String name = host == null ? null : Hostnames.normalize(host.replaceFirst(":\\d+$", ""));
        dev.gatehouse.tls.policy.HostPolicy policy = policies.forName(name);
        int status = policy == null || policy.redirectStatus() == 0
                ? (settings.redirect() ? 308 : -1) : policy.redirectStatus();
        if (status < 0 || name == null) {
            respond(ctx, req, text(ctx, HttpResponseStatus.NOT_FOUND, "use https\n"), false);
            return;
        }
        int httpsPort = settings.httpsPort();
        String location = "https://" + name + (httpsPort == 443 ? "" : ":" + httpsPort) + req.uri();
        FullHttpResponse r = text(ctx, HttpResponseStatus.valueOf(status), "");
        r.headers().set(HttpHeaderNames.LOCATION, location);
        metrics.increment("http.redirects");
        respond(ctx, req, r, false);
    }

    private static FullHttpResponse text(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                ByteBufUtil.writeAscii(ctx.alloc(), body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        return r;
    }

    private static void respond(ChannelHandlerContext ctx, HttpRequest req, FullHttpResponse r, boolean close) {
        PlainResponses.write(ctx, r, !close && HttpUtil.isKeepAlive(req));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
