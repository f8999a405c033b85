package dev.gatehouse.appliance.acme;

import com.google.common.net.InternetDomainName;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.tls.sni.Hostnames;

/**
 * Which names a tenant may claim for ACME issuance: an exact DNS name strictly below a public
 * suffix. {@code co.uk}, {@code github.io} (private section) and bare TLDs are refused, and so are
 * names under no known suffix ({@code localhost}, {@code corp}): no public CA issues for them.
 *
 * <p>The public suffix list is the one Guava's {@link InternetDomainName} embeds (updated with
 * each Guava release), rather than a copy of our own that would silently age.
 */
public final class DomainNames {

    private DomainNames() {
    }

    /** The normalized name, or a 422 problem saying why it cannot be claimed. */
    public static String claimable(String raw) throws ServiceException {
        if (raw == null || raw.isBlank()) {
            throw ServiceException.invalid("invalid-field", "name", "name: missing (expected: a DNS name such as "
                    + "app.example.com)");
        }
        if (raw.trim().startsWith("*.")) {
            throw ServiceException.invalid("wildcard-not-supported", "name", "name: '" + raw + "' is a wildcard; "
                    + "certificates are validated by HTTP-01, which cannot prove a wildcard (expected: an exact name)");
        }
        String name = Hostnames.normalize(raw);
        if (name == null || !InternetDomainName.isValid(name)) {
            throw ServiceException.invalid("invalid-field", "name", "name: '" + raw
                    + "' (expected: a DNS name such as app.example.com)");
        }
        InternetDomainName d = InternetDomainName.from(name);
        if (d.isPublicSuffix()) {
            throw ServiceException.invalid("public-suffix", "name", "name: '" + name + "' is a public suffix, "
                    + "under which unrelated parties register names (expected: a name below it, such as "
                    + "example." + name + ")");
        }
        if (!d.isUnderPublicSuffix()) {
            throw ServiceException.invalid("public-suffix", "name", "name: '" + name + "' is not under a known "
                    + "public suffix (expected: a publicly registered name such as app.example.com)");
        }
        return name;
    }
}
