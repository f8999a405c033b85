package dev.gatehouse.appliance.domains;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Checks that a claimed name is controlled by the claimant: the TXT record at the verification
 * label holds the expected value, and (when a target is configured) the name points at the edge,
 * by CNAME to the target host name or by an A record of the target address. Asks the configured
 * resolvers directly (no cache), so a record the tenant just published is seen at the next check
 * once the resolvers see it. Every record it found is reported, pass or fail.
 */
public final class DnsChecker {

    /** One check: passed, or why not; and the records seen, as {@code TYPE owner value}. */
    public record Result(boolean passed, String reason, List<String> seen) {
    }

    private final Resolver resolver;
    private final String target;

    /**
     * @param resolvers DNS servers to ask; empty = the system's ({@code /etc/resolv.conf})
     * @param target    IPv4 address or host name the name must point at, or null for no check
     */
    public DnsChecker(List<InetSocketAddress> resolvers, String target, Duration timeout) {
        List<InetSocketAddress> servers = resolvers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : resolvers;
        List<Resolver> simple = new ArrayList<>();
        for (InetSocketAddress s : servers) {
            SimpleResolver r = new SimpleResolver(s);
            r.setTimeout(timeout);
            simple.add(r);
        }
        ExtendedResolver ext = new ExtendedResolver(simple);
        ext.setTimeout(timeout);
        ext.setRetries(1);
        this.resolver = ext;
        this.target = target == null ? null : stripDot(target.toLowerCase(Locale.ROOT));
    }

    /**
     * @param name     the name that must point at the target, or null for none (a wildcard claim)
     * @param txtName  where the TXT record must be
     * @param expected the value it must hold
     */
    public Result check(String name, String txtName, String expected) {
        List<String> seen = new ArrayList<>();
        Answer txt = query(txtName, Type.TXT);
        boolean txtOk = false;
        for (Record r : txt.records) {
            if (r instanceof TXTRecord t) {
                String value = String.join("", t.getStrings());
                seen.add("TXT " + txtName + " \"" + value + "\"");
                txtOk |= value.equals(expected);
            }
        }
        String reason = null;
        if (!txtOk) {
            reason = txt.error != null ? "TXT " + txtName + ": " + txt.error
                    : seen.isEmpty() ? "no TXT record at " + txtName + " (expected: \"" + expected + "\")"
                    : "TXT " + txtName + " does not hold the expected value \"" + expected + "\"";
        }
        if (target != null && name != null) {
            Answer a = query(name, Type.A);
            Set<String> cnames = new LinkedHashSet<>();
            Set<String> addresses = new LinkedHashSet<>();
            for (Record r : a.records) {
                if (r instanceof CNAMERecord c) {
                    String to = stripDot(c.getTarget().toString().toLowerCase(Locale.ROOT));
                    cnames.add(to);
                    seen.add("CNAME " + stripDot(r.getName().toString()) + " " + to);
                } else if (r instanceof ARecord ar) {
                    addresses.add(ar.getAddress().getHostAddress());
                    seen.add("A " + stripDot(r.getName().toString()) + " " + ar.getAddress().getHostAddress());
                }
            }
            boolean pointsAtUs;
            if (isIpv4(target)) {
                pointsAtUs = addresses.contains(target);
            } else {
                pointsAtUs = cnames.contains(target);
                if (!pointsAtUs && !addresses.isEmpty()) {
                    for (Record r : query(target, Type.A).records) {
                        if (r instanceof ARecord ar && addresses.contains(ar.getAddress().getHostAddress())) {
                            pointsAtUs = true;
                        }
                    }
                }
            }
            if (!pointsAtUs && reason == null) {
                String expectation = isIpv4(target) ? "an A record " + target : "a CNAME to " + target;
                reason = a.error != null ? name + ": " + a.error + " (expected: " + expectation + ")"
                        : name + " does not point at this edge: " + (addresses.isEmpty() && cnames.isEmpty()
                                ? "no A or CNAME record" : "it resolves to " + (cnames.isEmpty() ? "" : cnames + " ")
                                + addresses) + " (expected: " + expectation + ")";
            }
        }
        return new Result(reason == null, reason, seen);
    }

    private record Answer(List<Record> records, String error) {
    }

    private Answer query(String name, int type) {
        try {
            Name n = Name.fromString(name.endsWith(".") ? name : name + ".");
            Message response = resolver.send(Message.newQuery(Record.newRecord(n, type, DClass.IN)));
            int rcode = response.getRcode();
            if (rcode == Rcode.NXDOMAIN) {
                return new Answer(List.of(), "no such name (NXDOMAIN)");
            }
            if (rcode != Rcode.NOERROR) {
                return new Answer(List.of(), "the resolver answered " + Rcode.string(rcode));
            }
            return new Answer(response.getSection(Section.ANSWER), null);
        } catch (TextParseException e) {
            return new Answer(List.of(), "not a valid DNS name (" + e.getMessage() + ")");
        } catch (IOException e) {
            return new Answer(List.of(), "no answer from the DNS resolvers (" + (e.getMessage() != null ? e.getMessage()
                    : e.getClass().getSimpleName()) + ")");
        }
    }

    private static String stripDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static boolean isIpv4(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }
}
