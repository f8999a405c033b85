package dev.gatehouse.appliance.ocsp;

import dev.gatehouse.appliance.ocsp.OcspException.Reason;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;

/**
 * Decides whether an OCSP response may be stapled to a certificate (RFC 6960 §3.2, what a client
 * will check): a successful basic response; signed by the certificate's issuer, or by a delegated
 * responder whose certificate the issuer signed, carries {@code id-kp-OCSPSigning} and is valid now
 * (§4.2.2.2); holding a single response for this certificate (issuer name and key hashes, serial);
 * status good; {@code thisUpdate} not in the future (beyond a small clock skew) and a
 * {@code nextUpdate} still ahead. Anything else is an {@link OcspException} naming the reason.
 */
final class OcspVerifier {

    /** How far a responder's clock may run ahead of ours. */
    static final Duration SKEW = Duration.ofMinutes(5);

    /** A response that may be stapled: its validity window, and who signed it. */
    record Verified(long thisUpdate, long nextUpdate, String signer) {
    }

    private OcspVerifier() {
    }

    static Verified verify(byte[] der, X509Certificate leaf, X509Certificate issuer, long now) throws OcspException {
        OCSPResp resp;
        try {
            resp = new OCSPResp(der);
        } catch (IOException | RuntimeException e) {
            throw new OcspException(Reason.MALFORMED, "not a DER OCSPResponse (" + e.getMessage() + ")", e);
        }
        if (resp.getStatus() != OCSPResp.SUCCESSFUL) {
            throw new OcspException(Reason.ERROR_STATUS, "responder status " + statusName(resp.getStatus()));
        }
        BasicOCSPResp basic;
        try {
            Object o = resp.getResponseObject();
            if (!(o instanceof BasicOCSPResp b)) {
                throw new OcspException(Reason.MALFORMED, "not a basic OCSP response");
            }
            basic = b;
        } catch (OCSPException | RuntimeException e) {
            throw new OcspException(Reason.MALFORMED, "unreadable response body (" + e.getMessage() + ")", e);
        }
        X509CertificateHolder issuerHolder = holder(issuer);
        String signer = signer(basic, issuerHolder, now);
        SingleResp single = about(basic, issuerHolder, leaf);
        CertificateStatus status = single.getCertStatus();
        if (status instanceof RevokedStatus revoked) {
            throw new OcspException(Reason.REVOKED, "revoked at " + revoked.getRevocationTime().toInstant());
        }
        if (status != CertificateStatus.GOOD) {
            throw new OcspException(Reason.UNKNOWN_STATUS, "the responder does not know serial "
                    + leaf.getSerialNumber().toString(16));
        }
        long thisUpdate = single.getThisUpdate().getTime();
        Date next = single.getNextUpdate();
        if (next == null) {
            throw new OcspException(Reason.BAD_TIME, "no nextUpdate (expected: a bounded validity to staple)");
        }
        long nextUpdate = next.getTime();
        if (thisUpdate > now + SKEW.toMillis()) {
            throw new OcspException(Reason.BAD_TIME, "thisUpdate " + single.getThisUpdate().toInstant()
                    + " is in the future");
        }
        if (nextUpdate <= now || nextUpdate <= thisUpdate) {
            throw new OcspException(Reason.BAD_TIME, "nextUpdate " + next.toInstant() + " has passed");
        }
        return new Verified(thisUpdate, nextUpdate, signer);
    }

    /** "issuer", or the delegated responder's subject; see the class description. */
    private static String signer(BasicOCSPResp basic, X509CertificateHolder issuer, long now) throws OcspException {
        try {
            if (basic.isSignatureValid(verifier(issuer))) {
                return "issuer";
            }
        } catch (Exception e) {
            // signed with another key (a delegated responder), or a mismatched algorithm: try those
        }
        for (X509CertificateHolder responder : basic.getCerts()) {
            try {
                if (!responder.getIssuer().equals(issuer.getSubject())
                        || !responder.isSignatureValid(verifier(issuer))
                        || !responder.isValidOn(new Date(now))
                        || !ocspSigning(responder)
                        || !basic.isSignatureValid(verifier(responder))) {
                    continue;
                }
                return "delegated responder " + responder.getSubject();
            } catch (Exception e) {
                // not this one
            }
        }
        throw new OcspException(Reason.BAD_SIGNATURE, "not signed by the issuer " + issuer.getSubject()
                + " nor by a responder it delegated to (id-kp-OCSPSigning)");
    }

    private static boolean ocspSigning(X509CertificateHolder c) {
        Extension ext = c.getExtension(Extension.extendedKeyUsage);
        return ext != null && ExtendedKeyUsage.getInstance(ext.getParsedValue()).hasKeyPurposeId(
                KeyPurposeId.id_kp_OCSPSigning);
    }

    private static SingleResp about(BasicOCSPResp basic, X509CertificateHolder issuer, X509Certificate leaf)
            throws OcspException {
        DigestCalculatorProvider digests;
        try {
            digests = new JcaDigestCalculatorProviderBuilder().build();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
        for (SingleResp r : basic.getResponses()) {
            try {
                if (r.getCertID().getSerialNumber().equals(leaf.getSerialNumber())
                        && r.getCertID().matchesIssuer(issuer, digests)) {
                    return r;
                }
            } catch (OCSPException | RuntimeException e) {
                // an id with a hash algorithm we do not know: not ours
            }
        }
        throw new OcspException(Reason.WRONG_CERTIFICATE, "no status for serial " + leaf.getSerialNumber().toString(16)
                + " of " + issuer.getSubject());
    }

    private static ContentVerifierProvider verifier(X509CertificateHolder cert) throws OperatorCreationException {
        try {
            return new JcaContentVerifierProviderBuilder().build(cert);
        } catch (java.security.cert.CertificateException e) {
            throw new OperatorCreationException("certificate " + cert.getSubject() + ": " + e.getMessage(), e);
        }
    }

    static X509CertificateHolder holder(X509Certificate c) {
        try {
            return new JcaX509CertificateHolder(c);
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate " + c.getSubjectX500Principal() + " does not encode", e);
        }
    }

    private static String statusName(int status) {
        return switch (status) {
            case OCSPResp.MALFORMED_REQUEST -> "malformedRequest";
            case OCSPResp.INTERNAL_ERROR -> "internalError";
            case OCSPResp.TRY_LATER -> "tryLater";
            case OCSPResp.SIG_REQUIRED -> "sigRequired";
            case OCSPResp.UNAUTHORIZED -> "unauthorized";
            default -> Integer.toString(status);
        };
    }
}
