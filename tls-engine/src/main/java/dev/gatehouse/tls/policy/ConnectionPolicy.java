package dev.gatehouse.tls.policy;

/**
 * One connection's last policy lookup: the next request for the same Host under the same
 * {@link PolicyIndex#version()} reuses it, so keep-alive and HTTP/2 requests do not look the name
 * up again (a string compare and a volatile read instead). Used on the connection's event loop only.
 */
public final class ConnectionPolicy {

    private final PolicyIndex index;
    private String host;
    private long version = -1;
    private HostPolicy policy;

    public ConnectionPolicy(PolicyIndex index) {
        this.index = index;
    }

    /** The policy for the request's Host header value (as the client sent it), or null. */
    public HostPolicy forHost(String hostHeader) {
        long v = index.version();
        if (v == version && hostHeader != null && hostHeader.equals(host)) {
            return policy;
        }
        policy = index.forHost(hostHeader);
        host = hostHeader;
        version = v;
        return policy;
    }

    /** The policy of a normalized name (the SNI: its 421 page), not cached. */
    public HostPolicy forName(String name) {
        return index.forName(name);
    }
}
