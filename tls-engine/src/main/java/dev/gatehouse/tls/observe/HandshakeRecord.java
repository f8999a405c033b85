package dev.gatehouse.tls.observe;

import java.net.InetSocketAddress;

/**
 * One TLS handshake's outcome, handed to a {@link RequestObserver}: completed (with version,
 * cipher, resumption and duration) or refused (with the reason).
 *
 * @param epochMillis    when it ended
 * @param client         the client's address, or null
 * @param sni            the ClientHello's server name, or null
 * @param certificateId  the bundle served, or null when refused
 * @param outcome        {@code full}, {@code resumed} or the failure reason's metric name
 *                       ({@code no_sni}, {@code unknown_sni}, {@code protocol_version}, ...)
 * @param tlsVersion     the negotiated version, or null
 * @param cipher         the negotiated cipher suite, or null
 * @param group          the key-exchange group, or null when not known
 * @param durationNanos  from the first ClientHello byte to the end, or -1
 */
public record HandshakeRecord(long epochMillis, InetSocketAddress client, String sni, String certificateId,
        String outcome, String tlsVersion, String cipher, String group, long durationNanos) {

    public boolean ok() {
        return "full".equals(outcome) || "resumed".equals(outcome);
    }
}
