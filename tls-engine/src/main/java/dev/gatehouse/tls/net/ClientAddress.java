package dev.gatehouse.tls.net;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/**
 * The one place the data plane asks who a client is: the source a PROXY protocol header named
 * (set by {@link ProxyProtocolHandler} on connections from a trusted load balancer), else the
 * socket's peer. Forwarding headers, the access log, handshake records and allowlists all read it
 * here, so that behind an NLB none of them sees the balancer's address instead of the client's.
 */
public final class ClientAddress {

    /** The addresses a PROXY header carried, on the connection's channel; absent without one. */
    public static final AttributeKey<Proxied> PROXIED = AttributeKey.valueOf("gatehouse.proxied");

    /**
     * The connection as the client opened it, before the load balancer.
     *
     * @param source      the client's address and port
     * @param destination the address and port the client connected to (the balancer's listener)
     */
    public record Proxied(InetSocketAddress source, InetSocketAddress destination) {
    }

    private ClientAddress() {
    }

    /** The client's address of a connection or of an HTTP/2 stream on it, or null when it has none. */
    public static InetSocketAddress of(Channel ch) {
        Channel c = connection(ch);
        if (c.hasAttr(PROXIED)) { // hasAttr: no attribute is created for the (common) connection without one
            Proxied p = c.attr(PROXIED).get();
            if (p != null) {
                return p.source();
            }
        }
        return c.remoteAddress() instanceof InetSocketAddress isa ? isa : null;
    }

    /** The port the client connected to: the PROXY header's destination port, else {@code listenerPort}. */
    public static int destinationPort(Channel ch, int listenerPort) {
        Channel c = connection(ch);
        Proxied p = c.hasAttr(PROXIED) ? c.attr(PROXIED).get() : null;
        return p == null ? listenerPort : p.destination().getPort();
    }

    private static Channel connection(Channel ch) {
        return ch instanceof Http2StreamChannel && ch.parent() != null ? ch.parent() : ch;
    }
}
