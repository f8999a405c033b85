package dev.gatehouse.tls.sni;

import java.util.Objects;

/**
 * A verified OCSP response (RFC 6960) for one certificate, sent in the handshakes that serve it
 * (RFC 6066 §8, "status_request"; in TLS 1.3 inside the leaf's CertificateEntry, RFC 8446 §4.4.2.1).
 * The engine does not verify it: whoever hands it over (the appliance's OCSP stapler) already did.
 *
 * @param fingerprint     SHA-256 of the leaf it is about, lower-case hex: a response for an older
 *                        certificate under the same id is never stapled to its replacement
 * @param der             the DER {@code OCSPResponse}, as the responder sent it
 * @param nextUpdateMillis epoch milliseconds after which it is stale and no longer stapled
 */
public record OcspStaple(String fingerprint, byte[] der, long nextUpdateMillis) {

    public OcspStaple {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(der, "der");
        if (der.length == 0) {
            throw new IllegalArgumentException("der: empty (expected: a DER OCSPResponse)");
        }
    }

    /** True while it may be stapled at {@code nowMillis}. */
    public boolean freshAt(long nowMillis) {
        return nowMillis < nextUpdateMillis;
    }
}
