package dev.gatehouse.appliance.domains;

import com.google.common.net.InternetDomainName;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.tls.sni.Hostnames;

/**
 * Which names may be claimed, and which may be ordered from a CA.
 *
 * <p>A claim is an exact DNS name or a one-label wildcard ({@code *.example.com}); neither may be a
 * public suffix or sit directly over one: {@code co.uk}, {@code *.co.uk}, {@code github.io} (private
 * section), {@code *.com} and bare TLDs are refused, because unrelated parties register names under
 * them. A name under no known suffix ({@code app.corp}, {@code demo.tenant-a.test}) may be claimed:
 * it still has to be proven in DNS (or assigned by an admin). An ACME order needs more: an exact name
 * strictly below a known public suffix, since no public CA issues for anything else.
 *
 * <p>The public suffix list is the one Guava's {@link InternetDomainName} embeds (updated with
 * each Guava release), rather than a copy of our own that would silently age.
 */
public final class DomainNames {

    private DomainNames() {
    }

    /** The normalized claim (exact or {@code *.parent}), or an {@code INVALID} refusal saying why not. */
    public static String claimable(String raw) throws ServiceException {
        if (raw == null || raw.isBlank()) {
            throw ServiceException.invalid("invalid-field", "name", "name: missing (expected: a DNS name such as "
                    + "app.example.com, or a wildcard such as *.example.com)");
        }
        String trimmed = raw.trim();
        boolean wildcard = trimmed.startsWith("*.");
        String base = Hostnames.normalize(wildcard ? trimmed.substring(2) : trimmed);
        if (base == null || !InternetDomainName.isValid(base)) {
            throw ServiceException.invalid("invalid-field", "name", "name: '" + raw
                    + "' (expected: a DNS name such as app.example.com, or a wildcard such as *.example.com)");
        }
        String pattern = wildcard ? "*." + base : base;
        InternetDomainName d = InternetDomainName.from(base);
        if (d.isPublicSuffix()) {
            throw publicSuffix(pattern, base);
        }
        if (!d.hasParent()) {
            throw ServiceException.invalid("public-suffix", "name", "name: '" + pattern + "' is or covers the bare "
                    + "top-level domain '" + base + "' (expected: a name below it, such as example." + base + ")");
        }
        return pattern;
    }

    private static ServiceException publicSuffix(String pattern, String suffix) {
        return new ServiceException(ServiceException.Kind.INVALID, "public-suffix", null, "name: '" + pattern
                + "' is or covers the public suffix '" + suffix + "', under which unrelated parties register names "
                + "(expected: a name below it, such as example." + suffix + ")", "name",
                java.util.Map.of("suffix", suffix));
    }

    /** The normalized name if a public CA can issue for it by HTTP-01, or an {@code INVALID} refusal. */
    public static String issuable(String raw) throws ServiceException {
        return issuable(raw, false);
    }

    /**
     * The normalized name (or {@code *.parent}) if a public CA can issue for it, or an {@code INVALID}
     * refusal. {@code wildcards}: DNS-01 is configured, so a one-label wildcard over an issuable
     * parent may be ordered; without it, HTTP-01 cannot prove a wildcard.
     */
    public static String issuable(String raw, boolean wildcards) throws ServiceException {
        if (raw == null || raw.isBlank()) {
            throw ServiceException.invalid("invalid-field", "name", "name: missing (expected: a DNS name such as "
                    + "app.example.com)");
        }
        if (raw.trim().startsWith("*.")) {
            if (wildcards) {
                return "*." + issuable(raw.trim().substring(2), false);
            }
            throw ServiceException.invalid("wildcard-not-supported", "name", "name: '" + raw + "' is a wildcard; "
                    + "certificates are validated by HTTP-01, which cannot prove a wildcard (expected: an exact name, "
                    + "or an operator configuring acme.dns01)");
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
