package dev.gatehouse.tls.proxy;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.BackendServer;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * How an exchange obtains a backend connection and gives it back: the {@link BackendConnector} in
 * production, an {@code EmbeddedChannel} in the handlers' unit tests.
 */
interface BackendLeases {

    Future<BackendConnector.Lease> acquire(BackendServer server, EventLoop loop);

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
            public void release(BackendServer server, Channel ch) {
                c.release(server, ch);
            }
        };
    }
}
