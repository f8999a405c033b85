package dev.gatehouse.tls.backend;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The backend connections made for one client connection, for pools that send a PROXY protocol
 * header ({@link ProxyProtocolMode}). Such a connection's first bytes name one client, so it must
 * never carry another client's requests: it is kept idle here, on the client connection, instead of
 * in the event loop's shared pool, reused only by the same client connection (its next keep-alive
 * request, its other HTTP/2 streams), and closed when the client connection closes.
 *
 * <p>Kept in an attribute of the client connection (for HTTP/2, the TCP connection, not a stream)
 * and touched only on its event loop, which is also every one of its backend connections' loop.
 */
final class ClientBackends {

    /** On a client connection: its backend connections, created on first use. */
    private static final AttributeKey<ClientBackends> KEY = AttributeKey.valueOf("gatehouse.clientBackends");
    /** On a backend connection made for one client: whose it is and which header it started with. */
    private static final AttributeKey<Owned> OWNED = AttributeKey.valueOf("gatehouse.backendOwner");

    /** A backend connection's owner and the header mode it was opened with. */
    record Owned(ClientBackends owner, ProxyProtocolMode mode) {
    }

    /** Idle connections are reused for the same server and header only. */
    private record Slot(BackendServer server, ProxyProtocolMode mode) {
    }

    private final Map<Slot, ArrayDeque<Channel>> idle = new HashMap<>(4);
    /** Every open backend connection of this client, busy or idle, closed with the client connection. */
    private final Set<Channel> open = new HashSet<>(4);
    private boolean closed;

    private ClientBackends() {
    }

    /** The backend connections of {@code client} (a TCP connection); the first call ties their life to it. */
    static ClientBackends of(Channel client) {
        ClientBackends b = client.attr(KEY).get();
        if (b == null) {
            b = new ClientBackends();
            client.attr(KEY).set(b);
            ClientBackends created = b;
            client.closeFuture().addListener(f -> created.closeAll());
        }
        return b;
    }

    /** The owner of a backend connection made for one client, or null for a shared one. */
    static Owned owner(Channel backend) {
        return backend.hasAttr(OWNED) ? backend.attr(OWNED).get() : null;
    }

    /** Records a new connection to a server as this client's; closes it at once if the client is gone. */
    void opened(Channel backend, ProxyProtocolMode mode) {
        backend.attr(OWNED).set(new Owned(this, mode));
        if (closed) {
            backend.close();
            return;
        }
        open.add(backend);
        backend.closeFuture().addListener(f -> open.remove(backend));
    }

    /** The idle connections to {@code server} opened with {@code mode}, or null when there are none. */
    ArrayDeque<Channel> idle(BackendServer server, ProxyProtocolMode mode, boolean create) {
        Slot slot = new Slot(server, mode);
        return create ? idle.computeIfAbsent(slot, k -> new ArrayDeque<>(2)) : idle.get(slot);
    }

    /** True once the client connection closed: nothing is pooled for it any more. */
    boolean closed() {
        return closed;
    }

    /** Connections open now (for tests). */
    int openConnections() {
        return open.size();
    }

    private void closeAll() {
        closed = true;
        for (Channel ch : new ArrayList<>(open)) {
            ch.close();
        }
    }
}
