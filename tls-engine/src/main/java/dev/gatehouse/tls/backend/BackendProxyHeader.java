package dev.gatehouse.tls.backend;

import dev.gatehouse.tls.net.ClientAddress;
import dev.gatehouse.tls.sni.ConnectionTls;
import dev.gatehouse.tls.sni.TenantSniHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The PROXY protocol header that starts a backend connection of a pool with
 * {@link ProxyProtocolMode#V1} or {@link ProxyProtocolMode#V2}: the client connection's source and
 * destination as the client opened it (the addresses of the PROXY header Gatehouse accepted from a
 * trusted balancer, else the socket's), so the backend sees the client and not Gatehouse. Version 2
 * adds, as TLVs (section 2.2 of the specification), {@code PP2_TYPE_AUTHORITY} with the SNI name and
 * {@code PP2_TYPE_SSL} with the negotiated TLS version, when the client connection is TLS.
 *
 * <p>Health checks are Gatehouse's own connections, relaying no client: they send the {@code LOCAL}
 * command (v2) or {@code PROXY UNKNOWN} (v1), which a backend accepts and ignores (section 2.1/2.2).
 */
final class BackendProxyHeader {

    /** {@code PP2_CLIENT_SSL}: the client connected over TLS. */
    private static final byte PP2_CLIENT_SSL = 0x01;
    /** {@code verify} of {@code PP2_TYPE_SSL}: non-zero, Gatehouse verifies no client certificate. */
    private static final int NO_VERIFIED_CLIENT_CERT = 1;
    /** Version 1's header for a connection relaying no client (Netty's encoder would write the null addresses). */
    private static final byte[] V1_UNKNOWN = "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII);

    /** The encoder's name while it writes the header; it leaves the pipeline right after. */
    static final String ENCODER = "proxy-protocol-encoder";

    private BackendProxyHeader() {
    }

    /**
     * Writes {@code header} (from {@link #forClient} or {@link #forCheck}) as the connection's first
     * bytes, through Netty's {@link HAProxyMessageEncoder}, without flushing: the request that follows
     * goes out in the same flush. The encoder is removed again, so later writes do not pass it.
     */
    static void write(Channel ch, Object header) {
        ChannelPipeline p = ch.pipeline();
        p.addFirst(ENCODER, HAProxyMessageEncoder.INSTANCE);
        ch.write(header);
        p.remove(ENCODER);
    }

    /**
     * The header for a backend connection made for {@code client} (a client TCP connection, not an
     * HTTP/2 stream): an {@link HAProxyMessage} for Netty's encoder, or the bytes of a v1
     * {@code UNKNOWN} header. Addresses of different families (or none known) make an {@code UNKNOWN}
     * header, after which the backend uses the socket's addresses.
     */
    static Object forClient(ProxyProtocolMode mode, Channel client) {
        HAProxyProtocolVersion version = mode == ProxyProtocolMode.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2;
        InetSocketAddress src = ClientAddress.of(client);
        InetSocketAddress dst = destination(client);
        if (src == null || dst == null || src.isUnresolved() || dst.isUnresolved()
                || (src.getAddress() instanceof Inet4Address) != (dst.getAddress() instanceof Inet4Address)) {
            return unknown(version, HAProxyCommand.PROXY);
        }
        HAProxyProxiedProtocol family = src.getAddress() instanceof Inet4Address
                ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6;
        List<HAProxyTLV> tlvs = version == HAProxyProtocolVersion.V2 ? tlvs(client) : List.of();
        return new HAProxyMessage(version, HAProxyCommand.PROXY, family, NetUtil.toAddressString(src.getAddress()),
                NetUtil.toAddressString(dst.getAddress()), src.getPort(), dst.getPort(), tlvs);
    }

    /** The header of a health check: {@code LOCAL} (v2) or {@code PROXY UNKNOWN} (v1), no addresses. */
    static Object forCheck(ProxyProtocolMode mode) {
        return mode == ProxyProtocolMode.V1 ? unknown(HAProxyProtocolVersion.V1, HAProxyCommand.PROXY)
                : unknown(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL);
    }

    private static Object unknown(HAProxyProtocolVersion version, HAProxyCommand command) {
        if (version == HAProxyProtocolVersion.V1) {
            return Unpooled.wrappedBuffer(V1_UNKNOWN);
        }
        return new HAProxyMessage(version, command, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
    }

    private static InetSocketAddress destination(Channel client) {
        ClientAddress.Proxied p = client.hasAttr(ClientAddress.PROXIED) ? client.attr(ClientAddress.PROXIED).get() : null;
        if (p != null) {
            return p.destination();
        }
        return client.localAddress() instanceof InetSocketAddress isa ? isa : null;
    }

    private static List<HAProxyTLV> tlvs(Channel client) {
        List<HAProxyTLV> tlvs = new ArrayList<>(2);
        String sni = client.hasAttr(TenantSniHandler.SNI) ? client.attr(TenantSniHandler.SNI).get() : null;
        if (sni != null && !sni.isEmpty()) {
            tlvs.add(new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_AUTHORITY,
                    Unpooled.copiedBuffer(sni, StandardCharsets.US_ASCII)));
        }
        ConnectionTls tls = client.hasAttr(TenantSniHandler.TLS) ? client.attr(TenantSniHandler.TLS).get() : null;
        if (tls != null) {
            List<HAProxyTLV> sub = tls.tlsVersion() == null ? List.of()
                    : List.of(new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_SSL_VERSION,
                            Unpooled.copiedBuffer(tls.tlsVersion(), StandardCharsets.US_ASCII)));
            tlvs.add(new HAProxySSLTLV(NO_VERIFIED_CLIENT_CERT, PP2_CLIENT_SSL, sub));
        }
        return tlvs;
    }
}
