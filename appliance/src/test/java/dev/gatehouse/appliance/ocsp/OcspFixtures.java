package dev.gatehouse.appliance.ocsp;

import dev.gatehouse.tls.demo.DemoPki;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/** A CA, leaves with or without an OCSP URL, delegated responders, and OCSP responses built by BouncyCastle. */
final class OcspFixtures {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    final KeyPair caKeys = DemoPki.ecKeys();
    final X509Certificate ca = cert(new X500Name("CN=OCSP Test CA"), new X500Name("CN=OCSP Test CA"),
            caKeys.getPublic(), caKeys.getPrivate(), true, null, null);

    /** A leaf of this CA for {@code name}; {@code ocspUrl} null: no AIA extension. */
    X509Certificate leaf(String name, String ocspUrl) {
        return issued(name, ocspUrl).cert();
    }

    /** A leaf of this CA for {@code name} (subjectAltName too) and its key. */
    Responder issued(String name, String ocspUrl) {
        KeyPair k = DemoPki.ecKeys();
        return new Responder(cert(ca, new X500Name("CN=" + name), k.getPublic(), ocspUrl, null, name), k.getPrivate());
    }

    /** A responder certificate this CA issued; {@code ocspSigning}: with id-kp-OCSPSigning. */
    Responder responder(boolean ocspSigning) {
        KeyPair k = DemoPki.ecKeys();
        return new Responder(cert(ca, new X500Name("CN=delegated responder"), k.getPublic(), null,
                ocspSigning ? KeyPurposeId.id_kp_OCSPSigning : KeyPurposeId.id_kp_serverAuth), k.getPrivate());
    }

    record Responder(X509Certificate cert, PrivateKey key) {
    }

    /** A signed, successful response about {@code leaf}. */
    byte[] response(X509Certificate leaf, CertificateStatus status, Instant thisUpdate, Instant nextUpdate,
            PrivateKey signer, X509Certificate... certs) {
        return response(leaf.getSerialNumber(), status, thisUpdate, nextUpdate, signer, certs);
    }

    byte[] response(BigInteger serial, CertificateStatus status, Instant thisUpdate, Instant nextUpdate,
            PrivateKey signer, X509Certificate... certs) {
        try {
            CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build()
                    .get(CertificateID.HASH_SHA1), new JcaX509CertificateHolder(ca), serial);
            BasicOCSPRespBuilder b = new BasicOCSPRespBuilder(new RespID(new X500Name("CN=responder")));
            b.addResponse(id, status, Date.from(thisUpdate), nextUpdate == null ? null : Date.from(nextUpdate));
            X509CertificateHolder[] chain = new X509CertificateHolder[certs.length];
            for (int i = 0; i < certs.length; i++) {
                chain[i] = new JcaX509CertificateHolder(certs[i]);
            }
            return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL,
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer), chain, new Date()))
                    .getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] good(X509Certificate leaf) {
        Instant now = Instant.now();
        return response(leaf, CertificateStatus.GOOD, now.minusSeconds(60), now.plus(Duration.ofHours(12)),
                caKeys.getPrivate());
    }

    static CertificateStatus revoked() {
        return new RevokedStatus(Date.from(Instant.now().minusSeconds(3600)), 1);
    }

    static CertificateStatus unknown() {
        return new UnknownStatus();
    }

    private X509Certificate cert(X509Certificate issuer, X500Name subject, java.security.PublicKey key, String ocspUrl,
            KeyPurposeId eku) {
        return cert(issuer, subject, key, ocspUrl, eku, null);
    }

    private X509Certificate cert(X509Certificate issuer, X500Name subject, java.security.PublicKey key, String ocspUrl,
            KeyPurposeId eku, String dnsName) {
        return cert(new X500Name(issuer.getSubjectX500Principal().getName()), subject, key, caKeys.getPrivate(), false,
                ocspUrl, eku, dnsName);
    }

    private static X509Certificate cert(X500Name issuer, X500Name subject, java.security.PublicKey key,
            PrivateKey signer, boolean isCa, String ocspUrl, KeyPurposeId eku) {
        return cert(issuer, subject, key, signer, isCa, ocspUrl, eku, null);
    }

    private static X509Certificate cert(X500Name issuer, X500Name subject, java.security.PublicKey key,
            PrivateKey signer, boolean isCa, String ocspUrl, KeyPurposeId eku, String dnsName) {
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(30))), subject, key);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            if (ocspUrl != null) {
                b.addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
                        AccessDescription.id_ad_ocsp, new GeneralName(GeneralName.uniformResourceIdentifier, ocspUrl)));
            }
            if (dnsName != null) {
                b.addExtension(Extension.subjectAlternativeName, false, new org.bouncycastle.asn1.x509.GeneralNames(
                        new GeneralName(GeneralName.dNSName, dnsName)));
            }
            if (eku != null) {
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(eku));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
