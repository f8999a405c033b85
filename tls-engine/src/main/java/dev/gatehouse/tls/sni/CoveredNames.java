package dev.gatehouse.tls.sni;

import io.netty.channel.Channel;
import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The names a served certificate covers: the {@code names()} of the bundle chosen for a connection's
 * handshake (which the registry indexes only under names the tenant has verified), exact or one-label
 * wildcard, by the rules of {@link Hostnames}.
 *
 * <p>Built once per bundle (see {@link Served}) and recorded on the connection at handshake time
 * ({@link TenantSniHandler#SERVED_BUNDLE}), so the per-request check ({@link #coversAuthority}) is a
 * hash lookup or two and allocates at most the host substring. Immutable, shared by every connection
 * served with the bundle.
 */
public final class CoveredNames {

    private final String bundleId;
    private final Set<String> exact;
    /** {@code example.com} for a {@code *.example.com} name. */
    private final Set<String> wildcardParents;

    private CoveredNames(String bundleId, Set<String> exact, Set<String> wildcardParents) {
        this.bundleId = bundleId;
        this.exact = exact;
        this.wildcardParents = wildcardParents;
    }

    /**
     * @param bundleId the bundle the names come from (for logs)
     * @param names    DNS names or {@code *.} wildcards; invalid ones are ignored (they can cover nothing)
     */
    public static CoveredNames of(String bundleId, Collection<String> names) {
        Objects.requireNonNull(bundleId, "bundleId");
        Set<String> exact = new HashSet<>();
        Set<String> parents = new HashSet<>();
        for (String n : names) {
            String p = Hostnames.normalizePattern(n);
            if (p == null) {
                continue;
            }
            if (Hostnames.isWildcard(p)) {
                parents.add(p.substring(2));
            } else {
                exact.add(p);
            }
        }
        return new CoveredNames(bundleId, Set.copyOf(exact), Set.copyOf(parents));
    }

    /**
     * The names served on a connection: the channel's own {@link TenantSniHandler#SERVED_BUNDLE}, or
     * for an HTTP/2 stream channel its parent connection's; {@code null} when neither has one.
     */
    public static CoveredNames servedOn(Channel ch) {
        CoveredNames names = ch.attr(TenantSniHandler.SERVED_BUNDLE).get();
        if (names == null && ch.parent() != null) {
            names = ch.parent().attr(TenantSniHandler.SERVED_BUNDLE).get();
        }
        return names;
    }

    public String bundleId() {
        return bundleId;
    }

    /** Whether a normalized host name ({@link Hostnames#normalize}) is covered. */
    public boolean covers(String normalizedHost) {
        if (exact.contains(normalizedHost)) {
            return true;
        }
        if (wildcardParents.isEmpty()) {
            return false;
        }
        String parent = Hostnames.wildcardParent(normalizedHost);
        return parent != null && wildcardParents.contains(parent);
    }

    /**
     * Whether a request's authority (a {@code Host} header or HTTP/2 {@code :authority} value: host,
     * optional {@code :port}) names a covered host. Case and one trailing dot are ignored, and so is
     * the port. An IP literal ({@code [::1]:8443}, {@code 127.0.0.1}) is never covered: certificate
     * names are DNS names.
     */
    public boolean coversAuthority(String authority) {
        String host = hostOf(authority);
        return host != null && covers(host);
    }

    /**
     * The normalized DNS host of an authority, or {@code null} when it has none: empty, an IPv6
     * literal, a port that is not digits (RFC 3986 §3.2.3), or a host that is no valid DNS name.
     */
    static String hostOf(String authority) {
        if (authority == null || authority.isEmpty() || authority.charAt(0) == '[') {
            return null;
        }
        String host = authority;
        int colon = authority.indexOf(':');
        if (colon >= 0) {
            for (int i = colon + 1; i < authority.length(); i++) {
                char c = authority.charAt(i);
                if (c < '0' || c > '9') {
                    return null; // also rejects a second colon: an unbracketed IPv6 address
                }
            }
            host = authority.substring(0, colon);
        }
        return Hostnames.normalize(host);
    }

    @Override
    public String toString() {
        return "CoveredNames[bundle=" + bundleId + ", exact=" + exact + ", wildcards=" + wildcardParents + "]";
    }
}
