package dev.gatehouse.appliance.acme;

import java.net.URI;
import java.net.URL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which CA directory orders go to: {@code acme.directory}, and after {@code acme.fallbackAfter}
 * CA-side failures in a row (unreachable, refusing, rate limiting) {@code acme.fallbackDirectory};
 * the same count at the fallback switches back. A success resets the count. Failures that another
 * CA would not fix (a challenge the tenant's DNS cannot answer, a TSIG key the DNS server refuses)
 * are not counted. Only the scheduler thread calls this (one writer).
 */
final class DirectoryChoice {

    private static final Logger log = LoggerFactory.getLogger(DirectoryChoice.class);

    private final URI primary;
    private final URI fallback;
    private final int after;
    private URI current;
    private int failures;

    DirectoryChoice(URI primary, URI fallback, int after) {
        this.primary = primary;
        this.fallback = fallback;
        this.after = after;
        this.current = primary;
    }

    URI current() {
        return current;
    }

    /** Counts a CA-side failure; returns true when it switched directories. */
    boolean failed(String error) {
        failures++;
        if (fallback == null || failures < after) {
            return false;
        }
        URI from = current;
        current = current.equals(primary) ? fallback : primary;
        failures = 0;
        log.warn("event=acme_directory_switched from={} to={} after_failures={} last_error={}", from, current, after,
                error);
        return true;
    }

    void succeeded() {
        failures = 0;
    }

    /** Whether an order URL belongs to the current directory's CA (same scheme, host and port). */
    boolean sameCa(URL order) {
        return order != null && order.getProtocol().equals(current.getScheme()) && order.getHost().equalsIgnoreCase(current.getHost())
                && port(order.getPort(), order.getDefaultPort()) == port(current.getPort(), 443);
    }

    private static int port(int p, int dflt) {
        return p == -1 ? dflt : p;
    }
}
