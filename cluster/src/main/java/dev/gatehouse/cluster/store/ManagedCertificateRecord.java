package dev.gatehouse.cluster.store;

import java.util.Objects;

/**
 * A certificate Gatehouse obtains and renews by ACME for one verified name, and where that stands.
 * The certificate itself is an ordinary {@link CertificateRecord} (marked managed) under
 * {@code certificateId}; this record is the issuer's state. An order in flight keeps its URL and
 * its sealed certificate key here, so that the next lease holder resumes it (downloading a
 * certificate that was already issued) instead of ordering a second one.
 *
 * @param name            the certificate's name (a verified domain)
 * @param tenant          owning tenant id
 * @param certificateId   the served certificate's id (stable across renewals)
 * @param state           {@code pending}, {@code ordering}, {@code issued}, {@code retrying}, {@code failed}
 * @param orderUrl        the order in flight, or null
 * @param orderKey        the private key of the order in flight (PKCS#8, sealed), or null
 * @param orderKeyRevision revision the order key was sealed at (part of its associated data)
 * @param nextAttemptAt   epoch milliseconds of the next order attempt (0 = none planned)
 * @param nextRenewalAt   epoch milliseconds when the served certificate is renewed (0 = none served)
 * @param attempts        failed attempts since the last success
 * @param lastError       the last failure, or null
 * @param issuedBy        node that last issued it
 * @param issuedAt        epoch milliseconds of the last issuance, 0 before
 * @param notAfter        expiry of the served certificate, 0 before
 * @param requestedAt     epoch milliseconds of the request
 * @param revision        write revision
 */
public record ManagedCertificateRecord(String name, String tenant, String certificateId, String state, String orderUrl,
        SealedValue orderKey, long orderKeyRevision, long nextAttemptAt, long nextRenewalAt, int attempts,
        String lastError, String issuedBy, long issuedAt, long notAfter, long requestedAt, long revision) {

    public static final String PENDING = "pending";
    public static final String ORDERING = "ordering";
    public static final String ISSUED = "issued";
    public static final String RETRYING = "retrying";
    public static final String FAILED = "failed";

    public ManagedCertificateRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(certificateId, "certificateId");
        Objects.requireNonNull(state, "state");
    }

    public static String orderKeyAad(String name, String orderUrl, long revision) {
        return "gatehouse/acme-order-key/v1|" + name + "|" + orderUrl + "|" + revision;
    }

    /** A copy with the given state fields changed (everything else kept), at revision {@code rev}. */
    public ManagedCertificateRecord with(String nextState, String nextOrderUrl, SealedValue nextOrderKey,
            long nextOrderKeyRevision, long nextAttempt, int nextAttempts, String error, long rev) {
        return new ManagedCertificateRecord(name, tenant, certificateId, nextState, nextOrderUrl, nextOrderKey,
                nextOrderKeyRevision, nextAttempt, nextRenewalAt, nextAttempts, error, issuedBy, issuedAt, notAfter,
                requestedAt, rev);
    }

    /** The record after a certificate was stored. */
    public ManagedCertificateRecord issued(String node, long at, long expiry, long renewAt, long rev) {
        return new ManagedCertificateRecord(name, tenant, certificateId, ISSUED, null, null, 0, renewAt, renewAt, 0,
                null, node, at, expiry, requestedAt, rev);
    }

    @Override
    public String toString() {
        return "ManagedCertificateRecord[name=" + name + ", state=" + state + ", orderUrl=" + orderUrl + "]";
    }
}
