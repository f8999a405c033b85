package dev.gatehouse.appliance.ocsp;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.ASN1IA5String;

/**
 * The OCSP responder a leaf names: the first {@code id-ad-ocsp} access location of its Authority
 * Information Access extension (RFC 5280 §4.2.2.1) that is an http(s) URI. A leaf without one has no
 * responder, and is never stapled.
 */
final class OcspResponderUrl {

    private OcspResponderUrl() {
    }

    static Optional<URI> of(X509Certificate leaf) {
        byte[] ext = leaf.getExtensionValue(Extension.authorityInfoAccess.getId());
        if (ext == null) {
            return Optional.empty();
        }
        try {
            AuthorityInformationAccess aia = AuthorityInformationAccess.getInstance(
                    ASN1OctetString.getInstance(ext).getOctets());
            for (AccessDescription d : aia.getAccessDescriptions()) {
                GeneralName where = d.getAccessLocation();
                if (!AccessDescription.id_ad_ocsp.equals(d.getAccessMethod())
                        || where.getTagNo() != GeneralName.uniformResourceIdentifier) {
                    continue;
                }
                String s = ASN1IA5String.getInstance(where.getName()).getString();
                URI uri = URI.create(s.trim());
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                    return Optional.of(uri);
                }
            }
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a malformed extension or URI names no usable responder
        }
        return Optional.empty();
    }
}
