package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.ProxyProtocolMode;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * How an exchange obtains a backend connection and gives it back: the {@link BackendConnector} in
 * production, an {@code EmbeddedChannel} in the handlers' unit tests.
 */
interface BackendLeases {

    Future<BackendConnector.Lease> acquire(BackendServer server, EventLoop loop);

    /**
     * A connection for a request of {@code client} (the TCP connection) to a server of a pool whose
     * connections start with {@code header}; with a header, never one another client connection used.
     */
    default Future<BackendConnector.Lease> acquire(BackendServer server, Channel client, ProxyProtocolMode header) {
        return acquire(server, client.eventLoop());
    }

    void release(BackendServer server, Channel ch);

    /** The connector's leases; null for no connector (a proxy that never reaches a backend). */
    static BackendLeases of(BackendConnector c) {
        if (c == null) {
            return null;
        }
        return new BackendLeases() {
            @Override
            public Future<BackendConnector.Lease> acquire(BackendServer server, EventLoop loop) {
                return c.acquire(server, loop);
            }

            @Override
            public Future<BackendConnector.Lease> acquire(BackendServer server, Channel client,
                    ProxyProtocolMode header) {
                return c.acquire(server, client, header);
            }

            @Override
            public void release(BackendServer server, Channel ch) {
                c.release(server, ch);
            }
        };
    }
}
