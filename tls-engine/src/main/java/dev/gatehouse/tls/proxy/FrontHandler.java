package dev.gatehouse.tls.proxy;

import io.netty.channel.Channel;
import java.net.InetAddress;

/**
 * What an exchange asks of the front handler it runs under, whichever protocol that speaks:
 * {@link ProxyHandler} (HTTP/1.1, or one HTTP/2 stream as HTTP objects) or {@link Http2ProxyHandler}
 * (HTTP/2 at frame level). {@link BackendExchange} answers its own {@code connection()} and
 * {@code clientAddress()} from it, so the two exchanges need not forward them each.
 */
interface FrontHandler {

    /** The client's TCP connection (for an HTTP/2 stream, the connection it runs on). */
    Channel connection();

    /** The client's address (the PROXY header's source when there was one). */
    InetAddress clientAddress();
}
