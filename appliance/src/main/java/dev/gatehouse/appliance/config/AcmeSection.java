package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.tls.sni.Hostnames;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Checks the {@code acme:} section once bound: URLs, names, and the timings that must fit the lease. */
final class AcmeSection {

    static final String LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";

    private AcmeSection() {
    }

    static GatehouseConfig.Acme read(ConfigReader r, ConfigFile.Acme a, JsonNode raw) {
        URI directory = https(a.directory());
        if (directory == null) {
            r.problem("acme.directory", raw.path("directory"), "an https:// URL of the CA's ACME directory");
        }
        if (a.email() != null && !a.email().matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
            r.problem("acme.email", raw.path("email"), "an e-mail address such as ops@example.com");
        }
        if (a.enabled() && a.caFile() != null && !Files.isReadable(a.caFile())) {
            r.problem("acme.caFile", raw.path("caFile"), "a readable PEM file of the CA certificate(s) that sign the "
                    + "directory's TLS certificate");
        }
        List<InetSocketAddress> resolvers = new ArrayList<>();
        List<String> written = ConfigReader.orEmpty(a.resolvers());
        for (int i = 0; i < written.size(); i++) {
            InetSocketAddress s = written.get(i) == null ? null : ConfigReader.parseAddress(written.get(i));
            if (s != null && s.getPort() != 0) {
                resolvers.add(s);
            } else {
                r.problem("acme.resolvers[" + i + "]", raw.path("resolvers").path(i),
                        "ip:port of a DNS server, such as 127.0.0.53:53");
            }
        }
        if (!a.txtLabel().matches("[A-Za-z0-9_][A-Za-z0-9_-]{0,62}")) {
            r.problem("acme.txtLabel", raw.path("txtLabel"), "one DNS label: letters, digits, _ and -, at most 63");
        }
        String target = a.target();
        if (target != null && !ConfigReader.isIpv4(target) && Hostnames.normalize(target) == null) {
            r.problem("acme.target", raw.path("target"), "an IPv4 address (checked as an A record) or a host name "
                    + "(checked as a CNAME)");
        }
        timing(r, a, raw);
        GatehouseConfig.Dns01 dns01 = Dns01Section.read(r, a.dns01(), raw.path("dns01"), a.enabled());
        String challenge = Dns01Section.challenge(r, a.challenge(), raw.path("challenge"), dns01);
        if (a.profile() != null && !a.profile().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            r.problem("acme.profile", raw.path("profile"), "a profile name the CA lists in its directory, such as "
                    + "classic or shortlived");
        }
        URI fallback = a.fallbackDirectory() == null ? null : https(a.fallbackDirectory());
        if (a.fallbackDirectory() != null && fallback == null) {
            r.problem("acme.fallbackDirectory", raw.path("fallbackDirectory"), "an https:// URL of a second CA's "
                    + "ACME directory");
        } else if (fallback != null && fallback.equals(directory)) {
            r.problem("acme.fallbackDirectory", raw.path("fallbackDirectory"), "another directory than "
                    + "acme.directory");
        }
        if (dns01 != null && dns01.propagationTimeout().compareTo(a.leaseTtl()) >= 0) {
            r.problem("acme.dns01.propagationTimeout", raw.path("dns01").path("propagationTimeout"), "< acme.leaseTtl "
                    + ConfigReader.human(a.leaseTtl()) + " (the wait is one step of an order, under the lease)");
        }
        return new GatehouseConfig.Acme(a.enabled(), directory, a.email(), a.caFile(), List.copyOf(resolvers),
                a.txtLabel(), target == null ? null : target.toLowerCase(java.util.Locale.ROOT), a.renewBefore(),
                a.interval(), a.leaseTtl(), a.dnsRetry(), a.dnsRetryMax(), a.dnsAttempts(), a.orderRetry(),
                a.orderRetryMax(), a.orderAttempts(), a.timeout(), a.expiryWarning(), a.onDemand(),
                a.onDemandPerHour(), challenge, dns01, a.profile(), fallback, a.fallbackAfter());
    }

    /** The lease against the tick and the step timeout, each back-off's ceiling against its start. */
    private static void timing(ConfigReader r, ConfigFile.Acme a, JsonNode raw) {
        if (a.leaseTtl().compareTo(a.interval().multipliedBy(2)) < 0) {
            r.problem("acme.leaseTtl", raw.path("leaseTtl"), ">= 2 x acme.interval "
                    + ConfigReader.human(a.interval()) + " (the holder extends it every tick)");
        }
        if (a.leaseTtl().compareTo(a.timeout()) < 0) {
            r.problem("acme.leaseTtl", raw.path("leaseTtl"), ">= acme.timeout "
                    + ConfigReader.human(a.timeout()) + " (a step must end before the lease can pass to another node)");
        }
        if (a.dnsRetryMax().compareTo(a.dnsRetry()) < 0) {
            r.problem("acme.dnsRetryMax", raw.path("dnsRetryMax"), ">= acme.dnsRetry "
                    + ConfigReader.human(a.dnsRetry()));
        }
        if (a.orderRetryMax().compareTo(a.orderRetry()) < 0) {
            r.problem("acme.orderRetryMax", raw.path("orderRetryMax"), ">= acme.orderRetry "
                    + ConfigReader.human(a.orderRetry()));
        }
    }

    /** An https URL with a host, or null. */
    private static URI https(String text) {
        try {
            URI u = new URI(text);
            return "https".equals(u.getScheme()) && u.getHost() != null ? u : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
