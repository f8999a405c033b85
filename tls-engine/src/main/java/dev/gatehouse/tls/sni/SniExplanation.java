package dev.gatehouse.tls.sni;

import java.time.Instant;
import java.util.List;

/**
 * What {@link CertificateRegistry#explain} found for one server name: how the name matched, which
 * bundle each kind of client gets, and every bundle that was considered. A snapshot: the registry
 * may have changed by the time it is read.
 *
 * @param name       the name as normalized for the lookup (lower case, no trailing dot), or null when
 *                   it is not a valid DNS name (then only the default certificate can apply)
 * @param match      how the lookup ended
 * @param pattern    the index entry that matched: the name, {@code *.parent}, or null (default, none)
 * @param ecdsa      id of the bundle served to clients that accept ECDSA, or null when refused
 * @param rsa        id of the bundle served to clients that do not, or null when refused
 * @param candidates the bundles indexed under the name and under its wildcard, then the default
 *                   certificate when one is configured; in that order, each with why it was or was
 *                   not chosen
 */
public record SniExplanation(String name, Match match, String pattern, String ecdsa, String rsa,
        List<Candidate> candidates) {

    /** How a name matched, in lookup order. */
    public enum Match { EXACT, WILDCARD, DEFAULT, NONE }

    /** What became of a candidate. */
    public enum Outcome {
        /** Served to every client (the only one of its pattern, or the one both kinds of client get). */
        SERVED,
        /** Served to clients that accept ECDSA; an RSA bundle goes to the others. */
        SERVED_TO_ECDSA_CLIENTS,
        /** Served to clients that do not accept ECDSA. */
        SERVED_TO_RSA_CLIENTS,
        /** Same key family and pattern as the served one, issued earlier (the latest notBefore wins). */
        OLDER,
        /** Indexed under the wildcard, but an exact entry for the name wins. */
        SHADOWED_BY_EXACT,
        /** The default certificate, not used because an entry for the name exists. */
        DEFAULT_NOT_NEEDED
    }

    public SniExplanation {
        candidates = List.copyOf(candidates);
    }

    /**
     * One bundle considered for the name.
     *
     * @param id            the bundle id (a store certificate id, or a file label)
     * @param pattern       the name or wildcard it is indexed under for this lookup; null for the default
     * @param keyType       e.g. {@code ECDSA-P-256}, {@code RSA-2048}
     * @param notBefore     start of the leaf's validity
     * @param notAfter      end of the leaf's validity
     * @param fingerprint   SHA-256 of the leaf, lower-case hex
     * @param contextLoaded whether its TLS context is built and cached now (the next handshake costs no build)
     * @param outcome       why it was or was not chosen
     */
    public record Candidate(String id, String pattern, String keyType, Instant notBefore, Instant notAfter,
            String fingerprint, boolean contextLoaded, Outcome outcome) {
    }
}
