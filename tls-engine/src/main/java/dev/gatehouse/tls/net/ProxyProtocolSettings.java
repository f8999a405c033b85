package dev.gatehouse.tls.net;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Who may put a PROXY protocol header (v1 or v2, as an AWS NLB or HAProxy sends) in front of a
 * connection, and on which listeners. A connection from one of {@code trustedSources} must start
 * with a header, within {@code headerTimeout}; from anywhere else a header is refused, so that no
 * client can claim another's address.
 *
 * @param trustedSources the load balancers' networks; empty = the PROXY protocol is off
 * @param headerTimeout  a trusted source's header must be complete within this
 * @param https          on the HTTPS listener
 * @param http           on the port-80 listener
 */
public record ProxyProtocolSettings(List<Cidr> trustedSources, Duration headerTimeout, boolean https, boolean http) {

    /** The default wait for a header: an NLB sends it with the first segment. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** No PROXY protocol anywhere: nothing is added to a pipeline. */
    public static final ProxyProtocolSettings OFF = new ProxyProtocolSettings(List.of(), DEFAULT_TIMEOUT, false, false);

    public ProxyProtocolSettings {
        trustedSources = List.copyOf(Objects.requireNonNull(trustedSources, "trustedSources"));
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        if (headerTimeout.isZero() || headerTimeout.isNegative()) {
            throw new IllegalArgumentException("headerTimeout: " + headerTimeout + " (expected: > 0)");
        }
    }

    /** Trusted sources on both listeners, with the default timeout. */
    public static ProxyProtocolSettings from(List<Cidr> trustedSources) {
        return new ProxyProtocolSettings(trustedSources, DEFAULT_TIMEOUT, true, true);
    }

    /** Whether the listener ({@code https} or not) handles PROXY headers at all. */
    public boolean on(boolean httpsListener) {
        return !trustedSources.isEmpty() && (httpsListener ? https : http);
    }

    /** Whether {@code address} may (and so must) send a header. */
    public boolean trusts(InetAddress address) {
        if (address == null) {
            return false;
        }
        for (Cidr c : trustedSources) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
