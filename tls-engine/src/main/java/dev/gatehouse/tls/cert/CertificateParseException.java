package dev.gatehouse.tls.cert;

import java.util.Objects;

/**
 * A certificate bundle was refused. Carries which bundle ({@link #label()}), a machine-readable
 * {@link Reason} and a human-readable detail that names what was wrong.
 */
public final class CertificateParseException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a bundle was refused. The API maps these onto problem types. */
    public enum Reason {
        EMPTY("no input"),
        NOT_PEM("not PEM"),
        TRUNCATED("truncated or corrupt PEM"),
        NO_CERTIFICATE("no certificate"),
        NO_PRIVATE_KEY("no private key"),
        MULTIPLE_KEYS("more than one private key"),
        ENCRYPTED_KEY("encrypted private key"),
        UNSUPPORTED_KEY("unsupported key type"),
        KEY_MISMATCH("private key does not match the certificate"),
        CHAIN_BROKEN("certificate chain cannot be ordered"),
        EXPIRED("certificate expired"),
        NOT_YET_VALID("certificate not yet valid"),
        NO_DNS_NAMES("certificate names no DNS host"),
        INVALID_NAME("certificate names an invalid DNS host");

        private final String summary;

        Reason(String summary) {
            this.summary = summary;
        }

        /** A short phrase for the reason, e.g. {@code "certificate expired"}. */
        public String summary() {
            return summary;
        }
    }

    private final String label;
    private final Reason reason;
    private final String detail;

    public CertificateParseException(String label, Reason reason, String detail) {
        this(label, reason, detail, null);
    }

    public CertificateParseException(String label, Reason reason, String detail, Throwable cause) {
        super(label + ": " + reason.summary() + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"), cause);
        this.label = Objects.requireNonNull(label, "label");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.detail = detail == null ? "" : detail;
    }

    /** Which bundle was refused: a file name, an upload id, etc. */
    public String label() {
        return label;
    }

    public Reason reason() {
        return reason;
    }

    /** What exactly was wrong, e.g. {@code notAfter 2024-01-01T00:00:00Z is before now 2026-11-24T03:00:00Z}. */
    public String detail() {
        return detail;
    }
}
