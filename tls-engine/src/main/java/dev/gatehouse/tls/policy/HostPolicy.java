package dev.gatehouse.tls.policy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One hostname's TLS and HTTP policy as the data plane applies it: immutable, compiled once when
 * the policy changes (CIDR lists into {@link CidrSet} tries, HSTS into its header value, metadata
 * into its base64 header value), so that applying it per request costs field reads and, when lists
 * or a rate limit are set, one trie walk and one token bucket. A name without a policy has none of
 * this: callers get {@code null} from {@link PolicyIndex} and skip every step.
 */
public final class HostPolicy {

    /** The header carrying the tenant's metadata to the backend (base64 of its JSON). */
    public static final String METADATA_HEADER = "X-Gatehouse-Metadata";

    /** RFC 6797 §6.1. */
    public static final io.netty.util.AsciiString HSTS_HEADER = io.netty.util.AsciiString.cached(
            "strict-transport-security");

    /** {@link #admit}: the request may go on. */
    public static final long ALLOWED = 0;
    /** {@link #admit}: refused by the IP allow/deny lists (403). */
    public static final long DENIED = -1;

    /** Statuses a tenant may replace the body of ({@link #errorPage}). */
    public static final int[] ERROR_PAGE_STATUSES = {421, 429, 502, 503, 504};

    private final boolean tls13Only;
    private final String hsts;
    private final int redirectStatus;
    private final String originPool;
    private final String originHost;
    private final byte[][] errorPages;
    private final CidrSet allow;
    private final CidrSet deny;
    private final boolean denyWithAlert;
    private final ClientRateLimiter limiter;
    private final String metadata;

    private HostPolicy(Builder b) {
        this.tls13Only = b.tls13Only;
        this.hsts = b.hsts;
        this.redirectStatus = b.redirectStatus;
        this.originPool = b.originPool;
        this.originHost = b.originHost;
        this.errorPages = b.errorPages;
        this.allow = b.allow;
        this.deny = b.deny;
        this.denyWithAlert = b.denyWithAlert;
        this.limiter = b.limiter;
        this.metadata = b.metadata;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True when clients must offer TLS 1.3 for this name (a TLS 1.2-only ClientHello is refused). */
    public boolean tls13Only() {
        return tls13Only;
    }

    /** The {@code Strict-Transport-Security} value to add to every response, or null. */
    public String hsts() {
        return hsts;
    }

    /**
     * What port 80 does for this name: 0 = the listener's default ({@code listeners.redirectHttp}),
     * -1 = no redirect (404), else the redirect status (301, 302, 307 or 308).
     */
    public int redirectStatus() {
        return redirectStatus;
    }

    /** The pool requests for this name go to instead of the routed one, or null. */
    public String originPool() {
        return originPool;
    }

    /** The Host header sent to the backend instead of the client's, or null. */
    public String originHost() {
        return originHost;
    }

    /** The base64 metadata header value, or null. */
    public String metadata() {
        return metadata;
    }

    /** True when a denied client is refused during the handshake (access_denied alert) rather than with 403. */
    public boolean denyWithAlert() {
        return denyWithAlert;
    }

    /** True when the IP lists let {@code client} in (allow list empty or matching, deny list not matching). */
    public boolean allows(InetAddress client) {
        if (client == null) {
            return allow == null;
        }
        if (deny != null && deny.contains(client)) {
            return false;
        }
        return allow == null || allow.contains(client);
    }

    /**
     * The IP lists, then the rate limit: {@link #ALLOWED}, {@link #DENIED} (403), or the nanoseconds
     * until the client's next token (429 with {@code Retry-After}).
     */
    public long admit(InetAddress client, long nowNanos) {
        if ((allow != null || deny != null) && !allows(client)) {
            return DENIED;
        }
        if (limiter != null && client != null) {
            long wait = limiter.acquire(client, nowNanos);
            return wait <= 0 ? ALLOWED : wait;
        }
        return ALLOWED;
    }

    /** The rate limiter (carried over by the appliance when a policy changes but its rate does not), or null. */
    public ClientRateLimiter limiter() {
        return limiter;
    }

    /** The tenant's HTML body for {@code status}, or null for the plain-text one. */
    public byte[] errorPage(int status) {
        if (errorPages == null) {
            return null;
        }
        for (int i = 0; i < ERROR_PAGE_STATUSES.length; i++) {
            if (ERROR_PAGE_STATUSES[i] == status) {
                return errorPages[i];
            }
        }
        return null;
    }

    /** Builds a policy; every part is optional. */
    public static final class Builder {
        private boolean tls13Only;
        private String hsts;
        private int redirectStatus;
        private String originPool;
        private String originHost;
        private byte[][] errorPages;
        private CidrSet allow;
        private CidrSet deny;
        private boolean denyWithAlert;
        private ClientRateLimiter limiter;
        private String metadata;

        public Builder tls13Only(boolean on) {
            this.tls13Only = on;
            return this;
        }

        /** {@code Strict-Transport-Security} (RFC 6797 §6.1); {@code preload} only when asked. */
        public Builder hsts(long maxAgeSeconds, boolean includeSubDomains, boolean preload) {
            this.hsts = "max-age=" + maxAgeSeconds + (includeSubDomains ? "; includeSubDomains" : "")
                    + (preload ? "; preload" : "");
            return this;
        }

        /** 0 = listener default, -1 = off, 301/302/307/308. */
        public Builder redirectStatus(int status) {
            if (status != 0 && status != -1 && status != 301 && status != 302 && status != 307 && status != 308) {
                throw new IllegalArgumentException("redirectStatus: " + status + " (expected: 301, 302, 307 or 308)");
            }
            this.redirectStatus = status;
            return this;
        }

        public Builder origin(String pool, String host) {
            this.originPool = pool;
            this.originHost = host;
            return this;
        }

        /** HTML bodies by status (only {@link HostPolicy#ERROR_PAGE_STATUSES}). */
        public Builder errorPages(Map<Integer, String> pages) {
            if (pages == null || pages.isEmpty()) {
                this.errorPages = null;
                return this;
            }
            byte[][] out = new byte[ERROR_PAGE_STATUSES.length][];
            pages.forEach((status, html) -> {
                int i = java.util.Arrays.stream(ERROR_PAGE_STATUSES).boxed().toList().indexOf(status);
                if (i < 0) {
                    throw new IllegalArgumentException("errorPages: " + status + " (expected: one of 421, 429, 502, "
                            + "503, 504)");
                }
                out[i] = html.getBytes(StandardCharsets.UTF_8);
            });
            this.errorPages = out;
            return this;
        }

        /** Null or empty lists impose nothing. */
        public Builder ipLists(CidrSet allow, CidrSet deny, boolean denyWithAlert) {
            this.allow = allow == null || allow.size() == 0 ? null : allow;
            this.deny = deny == null || deny.size() == 0 ? null : deny;
            this.denyWithAlert = denyWithAlert;
            return this;
        }

        public Builder rateLimit(ClientRateLimiter limiter) {
            this.limiter = limiter;
            return this;
        }

        /** The metadata JSON (already checked for size); sent base64 in {@link #METADATA_HEADER}. */
        public Builder metadata(String json) {
            this.metadata = json == null ? null
                    : java.util.Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        public HostPolicy build() {
            if (originHost != null && originHost.isBlank()) {
                throw new IllegalArgumentException("origin.host: blank");
            }
            return new HostPolicy(this);
        }
    }
}
