package dev.gatehouse.tls.net;

import dev.gatehouse.tls.metrics.EdgeMetrics;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.net.InetSocketAddress;

/**
 * The first stage of a listener's pipeline when the PROXY protocol is on
 * (<a href="https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt">the HAProxy specification</a>,
 * versions 1 and 2). What is added depends on who connected:
 * <ul>
 *   <li>a trusted source: {@link ProxyHeaderSniffer} (the first bytes must be a header's signature),
 *       Netty's {@link HAProxyMessageDecoder}, and {@link ProxyProtocolHandler}, which records the
 *       addresses in {@link ClientAddress} and enforces the header timeout. All three leave the
 *       pipeline once the header is read; the bytes after it go on to TLS (or HTTP).</li>
 *   <li>anyone else: only the sniffer, which closes the connection if it starts with a header and
 *       otherwise steps aside after the first byte or so.</li>
 * </ul>
 * With the protocol off for the listener nothing is added.
 */
public final class ProxyProtocol {

    public static final String SNIFF = "proxy-protocol-sniff";
    public static final String DECODER = "proxy-protocol-decoder";
    public static final String HEADER = "proxy-protocol-header";

    private ProxyProtocol() {
    }

    /** Adds the stages for a newly accepted connection (its remote address is known) at the pipeline's end. */
    public static void addHandlers(ChannelPipeline p, ProxyProtocolSettings settings, boolean httpsListener,
            EdgeMetrics metrics) {
        if (!settings.on(httpsListener)) {
            return;
        }
        boolean trusted = p.channel().remoteAddress() instanceof InetSocketAddress isa
                && settings.trusts(isa.getAddress());
        if (!trusted) {
            p.addLast(SNIFF, new ProxyHeaderSniffer(null, metrics));
            return;
        }
        ProxyProtocolHandler header = new ProxyProtocolHandler(settings.headerTimeout().toMillis(), metrics);
        p.addLast(SNIFF, new ProxyHeaderSniffer(header, metrics));
        p.addLast(DECODER, new HAProxyMessageDecoder());
        p.addLast(HEADER, header);
    }
}
