package dev.gatehouse.appliance.ocsp;

import java.util.Locale;

/**
 * Why a certificate has no (new) staple: the responder could not be asked, or its answer is not one
 * to staple. Carries the reason as data, for the status view and the metric label.
 */
final class OcspException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong; the lower-case name is the metric label. */
    enum Reason {
        /** No issuer certificate in the uploaded chain: a response cannot be asked for nor verified. */
        NO_ISSUER,
        /** The responder is on a private address and the certificate is a tenant's (see {@code ocsp.allowPrivateResponders}). */
        PRIVATE_RESPONDER,
        /** Connection refused, timeout, or an HTTP status other than 200. */
        UNREACHABLE,
        /** The responder answered with an OCSP error status (malformedRequest, tryLater, unauthorized, ...). */
        ERROR_STATUS,
        /** Not a DER OCSP response, or not a basic one. */
        MALFORMED,
        /** Not signed by the issuer, nor by a responder the issuer delegated to (id-kp-OCSPSigning). */
        BAD_SIGNATURE,
        /** No single response about this certificate (issuer hashes and serial). */
        WRONG_CERTIFICATE,
        /** The responder says the certificate is revoked: nothing is stapled. */
        REVOKED,
        /** The responder does not know the certificate. */
        UNKNOWN_STATUS,
        /** thisUpdate in the future, nextUpdate missing or past. */
        BAD_TIME;

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final Reason reason;

    OcspException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    OcspException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    Reason reason() {
        return reason;
    }

    /** What the status view shows: {@code reason: message}. */
    String describe() {
        return reason.label() + ": " + getMessage();
    }
}
