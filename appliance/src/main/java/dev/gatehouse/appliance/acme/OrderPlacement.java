package dev.gatehouse.appliance.acme;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.ManagedCertificateRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a new order asks of the CA besides the name, and what is read back for the renewal: the
 * ACME profile (draft-ietf-acme-profiles), the certificate a renewal {@code replaces} and the
 * suggested renewal window of the certificate issued (ACME Renewal Information, RFC 9773 §4-5),
 * each only when the directory offers it.
 */
final class OrderPlacement {

    private static final Logger log = LoggerFactory.getLogger(OrderPlacement.class);

    private final Store store;
    private final String profile;

    OrderPlacement(Store store, String profile) {
        this.store = store;
        this.profile = profile;
    }

    /**
     * A new order for {@code m}: with {@code acme.profile} when set (refused clearly when the CA does
     * not list it), and for a renewal with {@code replaces} (RFC 9773 §5) when the CA offers renewal
     * information, so that the CA may exempt it from rate limits. A CA answering that the certificate
     * was already replaced gets an order without it.
     */
    Order place(Login l, ManagedCertificateRecord m, java.net.URI directory) throws AcmeException, StoreException,
            IssueException {
        Session s = l.getSession();
        if (profile != null && !s.getMetadata().isProfileAllowed(profile)) {
            throw new IssueException("acme.profile '" + profile + "' is not offered by " + directory
                    + " (it lists " + (s.getMetadata().getProfiles().isEmpty() ? "no profiles"
                    : s.getMetadata().getProfiles()) + ")", true);
        }
        X509Certificate current = s.resourceUrlOptional(org.shredzone.acme4j.connector.Resource.RENEWAL_INFO)
                .isPresent() ? currentLeaf(m) : null;
        try {
            return orderBuilder(l, m, current).create();
        } catch (AcmeServerException e) {
            if (current == null || !String.valueOf(e.getType()).endsWith(":alreadyReplaced")) {
                throw e;
            }
            log.info("event=acme_replaces_dropped name={} reason={}", m.name(), e.getMessage());
            return orderBuilder(l, m, null).create();
        }
    }

    private org.shredzone.acme4j.OrderBuilder orderBuilder(Login l, ManagedCertificateRecord m,
            X509Certificate replaces) {
        org.shredzone.acme4j.OrderBuilder b = l.newOrder().domain(m.name());
        if (profile != null) {
            b.profile(profile);
        }
        if (replaces != null) {
            b.replaces(replaces);
        }
        return b;
    }

    /** The leaf of the certificate being renewed, or null (first issuance, or it does not parse). */
    private X509Certificate currentLeaf(ManagedCertificateRecord m) throws StoreException {
        if (m.notAfter() <= 0) {
            return null;
        }
        CertificateRecord c = store.record(RecordKinds.CERTIFICATES, m.certificateId()).orElse(null);
        if (c == null) {
            return null;
        }
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(c.chainPem().getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            return null;
        }
    }

    /** The CA's suggested renewal window for a certificate just issued (RFC 9773 §4), or null. */
    RenewalTime.Window renewalWindow(String name, org.shredzone.acme4j.Certificate issued) {
        try {
            if (!issued.hasRenewalInfo()) {
                return null;
            }
            org.shredzone.acme4j.RenewalInfo ri = issued.getRenewalInfo();
            ri.fetch();
            return RenewalTime.Window.of(ri.getSuggestedWindowStart(), ri.getSuggestedWindowEnd());
        } catch (AcmeException | RuntimeException e) {
            log.warn("event=acme_renewal_info_failed name={} cause={} detail=renewing by the lifetime rule", name,
                    e.toString());
            return null;
        }
    }
}
