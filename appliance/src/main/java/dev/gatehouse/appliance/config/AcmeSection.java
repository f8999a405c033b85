package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.tls.sni.Hostnames;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads and checks the {@code acme:} section. */
final class AcmeSection {

    static final String LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";
    private static final String AT = "acme";

    private AcmeSection() {
    }

    private static JsonNode get(JsonNode a, String field) {
        return a == null ? null : a.get(field);
    }

    static GatehouseConfig.Acme read(ConfigReader r, JsonNode a) {
        r.onlyKnown(AT, a, Set.of("enabled", "directory", "email", "caFile", "resolvers", "txtLabel", "target",
                "renewBefore", "interval", "leaseTtl", "dnsRetry", "dnsRetryMax", "dnsAttempts", "orderRetry",
                "orderRetryMax", "orderAttempts", "timeout", "expiryWarning", "onDemand", "onDemandPerHour",
                "challenge", "dns01", "profile", "fallbackDirectory", "fallbackAfter"));
        boolean enabled = r.bool(AT, a, "enabled", false);
        String dir = r.string(AT, a, "directory", LETS_ENCRYPT);
        URI directory = null;
        try {
            directory = new URI(dir);
            if (!"https".equals(directory.getScheme()) || directory.getHost() == null) {
                r.problem("acme.directory", get(a, "directory"), "an https:// URL of the CA's ACME directory");
                directory = null;
            }
        } catch (URISyntaxException e) {
            r.problem("acme.directory", get(a, "directory"), "an https:// URL of the CA's ACME directory");
        }
        String email = r.string(AT, a, "email", null);
        if (email != null && !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
            r.problem("acme.email", get(a, "email"), "an e-mail address such as ops@example.com");
        }
        String ca = r.string(AT, a, "caFile", null);
        Path caFile = r.path("acme.caFile", get(a, "caFile"), ca);
        if (enabled && caFile != null && !Files.isReadable(caFile)) {
            r.problem("acme.caFile", get(a, "caFile"), "a readable PEM file of the CA certificate(s) that sign the "
                    + "directory's TLS certificate");
        }
        List<InetSocketAddress> resolvers = new ArrayList<>();
        List<JsonNode> rn = r.list(AT, a, "resolvers");
        for (int i = 0; i < rn.size(); i++) {
            InetSocketAddress s = ConfigReader.parseAddress(rn.get(i).asText());
            if (s == null || s.getPort() == 0) {
                r.problem("acme.resolvers[" + i + "]", rn.get(i), "ip:port of a DNS server, such as 127.0.0.53:53");
            } else {
                resolvers.add(s);
            }
        }
        String label = r.string(AT, a, "txtLabel", "_gatehouse-challenge");
        if (!label.matches("[A-Za-z0-9_][A-Za-z0-9_-]{0,62}")) {
            r.problem("acme.txtLabel", get(a, "txtLabel"), "one DNS label: letters, digits, _ and -, at most 63");
        }
        String target = r.string(AT, a, "target", null);
        if (target != null && !ConfigReader.isIpv4(target) && Hostnames.normalize(target) == null) {
            r.problem("acme.target", get(a, "target"), "an IPv4 address (checked as an A record) or a host name "
                    + "(checked as a CNAME)");
        }
        Duration renewBefore = r.duration(AT, a, "renewBefore", null);
        Duration interval = r.duration(AT, a, "interval", Duration.ofSeconds(30));
        Duration leaseTtl = r.duration(AT, a, "leaseTtl", Duration.ofSeconds(120));
        Duration timeout = r.duration(AT, a, "timeout", Duration.ofSeconds(60));
        if (leaseTtl.compareTo(interval.multipliedBy(2)) < 0) {
            r.problem("acme.leaseTtl", get(a, "leaseTtl"), ">= 2 x acme.interval "
                    + ConfigReader.human(interval) + " (the holder extends it every tick)");
        }
        if (leaseTtl.compareTo(timeout) < 0) {
            r.problem("acme.leaseTtl", get(a, "leaseTtl"), ">= acme.timeout "
                    + ConfigReader.human(timeout) + " (a step must end before the lease can pass to another node)");
        }
        Duration dnsRetry = r.duration(AT, a, "dnsRetry", Duration.ofSeconds(30));
        Duration dnsRetryMax = r.duration(AT, a, "dnsRetryMax", Duration.ofHours(1));
        Duration orderRetry = r.duration(AT, a, "orderRetry", Duration.ofMinutes(1));
        Duration orderRetryMax = r.duration(AT, a, "orderRetryMax", Duration.ofHours(6));
        if (dnsRetryMax.compareTo(dnsRetry) < 0) {
            r.problem("acme.dnsRetryMax", get(a, "dnsRetryMax"), ">= acme.dnsRetry " + ConfigReader.human(dnsRetry));
        }
        if (orderRetryMax.compareTo(orderRetry) < 0) {
            r.problem("acme.orderRetryMax", get(a, "orderRetryMax"), ">= acme.orderRetry "
                    + ConfigReader.human(orderRetry));
        }
        GatehouseConfig.Dns01 dns01 = Dns01Section.read(r, r.object(AT, a, "dns01"), enabled);
        String challenge = Dns01Section.challenge(r, a, dns01);
        String profile = r.string(AT, a, "profile", null);
        if (profile != null && !profile.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            r.problem("acme.profile", get(a, "profile"), "a profile name the CA lists in its directory, such as "
                    + "classic or shortlived");
        }
        URI fallback = null;
        String fb = r.string(AT, a, "fallbackDirectory", null);
        if (fb != null) {
            try {
                fallback = new URI(fb);
                if (!"https".equals(fallback.getScheme()) || fallback.getHost() == null) {
                    fallback = null;
                }
            } catch (URISyntaxException e) {
                fallback = null;
            }
            if (fallback == null) {
                r.problem("acme.fallbackDirectory", get(a, "fallbackDirectory"), "an https:// URL of a second CA's "
                        + "ACME directory");
            } else if (fallback.equals(directory)) {
                r.problem("acme.fallbackDirectory", get(a, "fallbackDirectory"), "another directory than "
                        + "acme.directory");
            }
        }
        int fallbackAfter = r.integer(AT, a, "fallbackAfter", 3, 1, 1000);
        if (dns01 != null && dns01.propagationTimeout().compareTo(leaseTtl) >= 0) {
            r.problem("acme.dns01.propagationTimeout", get(get(a, "dns01"), "propagationTimeout"), "< acme.leaseTtl "
                    + ConfigReader.human(leaseTtl) + " (the wait is one step of an order, under the lease)");
        }
        return new GatehouseConfig.Acme(enabled, directory, email, caFile, List.copyOf(resolvers), label,
                target == null ? null : target.toLowerCase(java.util.Locale.ROOT), renewBefore, interval, leaseTtl,
                dnsRetry, dnsRetryMax, r.integer(AT, a, "dnsAttempts", 20, 1, 1000), orderRetry, orderRetryMax,
                r.integer(AT, a, "orderAttempts", 10, 1, 1000), timeout,
                r.duration(AT, a, "expiryWarning", Duration.ofDays(21)), r.bool(AT, a, "onDemand", false),
                r.integer(AT, a, "onDemandPerHour", 20, 1, 100_000), challenge, dns01, profile, fallback,
                fallbackAfter);
    }
}
