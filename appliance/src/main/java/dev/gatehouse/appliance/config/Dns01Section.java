package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.tls.sni.Hostnames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks {@code acme.dns01} once bound: the authoritative DNS server Gatehouse updates (RFC 2136,
 * signed with TSIG, RFC 8945) to answer DNS-01 challenges. The TSIG secret stays in its file:
 * the configuration keeps only the path, so no {@code toString} of the configuration can print it.
 */
final class Dns01Section {

    private static final String AT = "acme.dns01";
    /** The HMAC algorithms of RFC 8945 §6 that BIND and dnsjava both sign with. */
    static final Set<String> ALGORITHMS = Set.of("hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384",
            "hmac-sha512");

    private Dns01Section() {
    }

    static GatehouseConfig.Dns01 read(ConfigReader r, ConfigFile.Dns01 d, JsonNode raw, boolean enabled) {
        if (d == null) {
            return null;
        }
        InetSocketAddress server = d.server() == null ? null : DnsSection.nameserver(d.server());
        if (server == null) {
            r.problem(AT + ".server", raw.path("server"), "the authoritative server's IP address with an optional "
                    + "port, such as 192.0.2.53 or 192.0.2.53:5353");
        }
        List<String> zones = new ArrayList<>();
        List<String> written = ConfigReader.orEmpty(d.zones());
        for (int i = 0; i < written.size(); i++) {
            String z = written.get(i) == null ? null : Hostnames.normalize(written.get(i));
            if (z != null) {
                zones.add(z);
            } else {
                r.problem(AT + ".zones[" + i + "]", raw.path("zones").path(i), "a DNS zone name such as example.com");
            }
        }
        ConfigFile.Tsig t = d.tsig();
        if (t == null) {
            r.problem(AT + ".tsig", null, "a mapping with name, secretFile and optionally algorithm (updates are "
                    + "signed with TSIG)");
        }
        if (d.ttl().compareTo(Duration.ofDays(1)) > 0) {
            r.problem(AT + ".ttl", raw.path("ttl"), "at most 1d (the record lives only while the CA validates)");
        }
        return new GatehouseConfig.Dns01(server, List.copyOf(zones), t == null ? null : keyName(r, t, raw.path("tsig")),
                t == null ? null : algorithm(r, t, raw.path("tsig")), t == null ? null : secretFile(r, t,
                raw.path("tsig"), enabled), d.propagationTimeout(), d.ttl(), d.followCname());
    }

    private static String keyName(ConfigReader r, ConfigFile.Tsig t, JsonNode raw) {
        String name = t.name() == null ? null : Hostnames.normalize(t.name());
        if (name == null) {
            r.problem(AT + ".tsig.name", raw.path("name"), "the TSIG key name as the server knows it, such as "
                    + "gatehouse-acme");
        }
        return name;
    }

    private static String algorithm(ConfigReader r, ConfigFile.Tsig t, JsonNode raw) {
        String algorithm = t.algorithm().toLowerCase(Locale.ROOT);
        if (!ALGORITHMS.contains(algorithm)) {
            r.problem(AT + ".tsig.algorithm", raw.path("algorithm"), "one of " + new java.util.TreeSet<>(ALGORITHMS));
        }
        return algorithm;
    }

    private static Path secretFile(ConfigReader r, ConfigFile.Tsig t, JsonNode raw, boolean enabled) {
        if (!ConfigReader.isScalar(raw.path("secretFile"))) {
            r.problem(AT + ".tsig.secretFile", null, "a file holding the base64 TSIG secret (or a BIND key "
                    + "clause as tsig-keygen writes it)");
        } else if (enabled && t.secretFile() != null) {
            try {
                TsigSecret.read(t.secretFile());
            } catch (IOException | IllegalArgumentException e) {
                // the message says what is wrong with the file, never what it holds
                r.problem(AT + ".tsig.secretFile", raw.path("secretFile"), "a readable file holding the base64 "
                        + "TSIG secret (or a BIND key clause as tsig-keygen writes it): " + e.getMessage());
            }
        }
        return t.secretFile();
    }

    /** Checks {@code acme.challenge}: which challenge proves exact names (wildcards always use DNS-01). */
    static String challenge(ConfigReader r, String c, JsonNode raw, GatehouseConfig.Dns01 dns01) {
        if (!c.equals("http-01") && !c.equals("dns-01")) {
            r.problem("acme.challenge", raw, "http-01 or dns-01");
            return "http-01";
        }
        if (c.equals("dns-01") && dns01 == null) {
            r.problem("acme.challenge", raw, "http-01 unless acme.dns01 names the DNS server to update");
        }
        return c;
    }

    /** The TSIG secret in a file: bare base64, or the {@code secret "...";} of a BIND key clause. */
    static final class TsigSecret {
        private TsigSecret() {
        }

        static byte[] read(Path file) throws IOException {
            String text = Files.readString(file).trim();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("secret\\s+\"([^\"]*)\"").matcher(text);
            String b64 = m.find() ? m.group(1) : text;
            byte[] secret;
            try {
                secret = java.util.Base64.getDecoder().decode(b64.replaceAll("\\s", ""));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not base64");
            }
            if (secret.length < 16) {
                throw new IllegalArgumentException("the secret is " + secret.length + " bytes (expected: >= 16)");
            }
            return secret;
        }
    }
}
