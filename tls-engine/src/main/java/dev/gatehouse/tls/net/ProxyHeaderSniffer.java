package dev.gatehouse.tls.net;

import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.metrics.EdgeMetrics.ProxyProtocolRefusal;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at a connection's first bytes for a PROXY header's signature ({@code "PROXY "} for v1, the
 * 12-byte binary signature for v2) and holds at most 11 of them while they could still be one.
 * From a trusted source a header must be there (else the connection is refused as malformed: the
 * balancer does not send one, or something else got in); from any other source it must not be
 * (refused as {@code untrusted_source}: the client tries to choose its own address). Once decided
 * it leaves the pipeline, and the bytes it held go on unchanged.
 *
 * <p>A TLS record starts with 0x16 and an HTTP request with a method such as {@code POST}, so an
 * ordinary connection is decided on its first one or two bytes.
 */
final class ProxyHeaderSniffer extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(ProxyHeaderSniffer.class);

    /** v1: "PROXY" and one space (spec §2.1). */
    static final byte[] V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    /** v2: \r\n\r\n\0\r\nQUIT\n (spec §2.2). */
    static final byte[] V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    enum Match { NEED_MORE, HEADER, NONE }

    /** The trusted path's header handler, told when the sniffer refuses; null for an untrusted source. */
    private final ProxyProtocolHandler trusted;
    private final EdgeMetrics metrics;

    ProxyHeaderSniffer(ProxyProtocolHandler trusted, EdgeMetrics metrics) {
        this.trusted = trusted;
        this.metrics = metrics;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        Match m = match(in);
        if (m == Match.NEED_MORE) {
            return;
        }
        boolean header = m == Match.HEADER;
        if (header == (trusted != null)) {
            ctx.pipeline().remove(this); // hands what it holds to the next handler
            return;
        }
        in.skipBytes(in.readableBytes());
        ProxyProtocolRefusal reason = header ? ProxyProtocolRefusal.UNTRUSTED_SOURCE : ProxyProtocolRefusal.MALFORMED;
        if (trusted != null) {
            trusted.refuse(reason, "no PROXY header");
        } else {
            metrics.proxyProtocolRefused(reason);
            log.debug("event=proxy_protocol_refused reason={} client={}", reason.metricName(),
                    ctx.channel().remoteAddress());
            ctx.close();
        }
    }

    /** Whether the readable bytes are a header's signature, could still become one, or cannot. */
    static Match match(ByteBuf in) {
        boolean v1 = startsLike(in, V1);
        boolean v2 = startsLike(in, V2);
        int n = in.readableBytes();
        if ((v1 && n >= V1.length) || (v2 && n >= V2.length)) {
            return Match.HEADER;
        }
        return v1 || v2 ? Match.NEED_MORE : Match.NONE;
    }

    private static boolean startsLike(ByteBuf in, byte[] signature) {
        int n = Math.min(in.readableBytes(), signature.length);
        int base = in.readerIndex();
        for (int i = 0; i < n; i++) {
            if (in.getByte(base + i) != signature[i]) {
                return false;
            }
        }
        return true;
    }
}
