package dev.gatehouse.tls.proxy;

import io.netty.channel.Channel;
import java.net.InetAddress;

/**
 * What an exchange asks of the front handler it runs under, whichever protocol that speaks:
 * {@link ProxyHandler} (HTTP/1.1) or {@link Http2ProxyHandler} (HTTP/2).
 */
interface FrontHandler {

    /** The client's TCP connection (for an HTTP/2 stream, the connection it runs on). */
    Channel connection();

    /** The client's address (the PROXY header's source when there was one). */
    InetAddress clientAddress();
}
