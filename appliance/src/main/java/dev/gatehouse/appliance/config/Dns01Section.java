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
 * Reads and checks {@code acme.dns01}: the authoritative DNS server Gatehouse updates (RFC 2136,
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

    static GatehouseConfig.Dns01 read(ConfigReader r, JsonNode d, boolean enabled) {
        if (d == null) {
            return null;
        }
        r.onlyKnown(AT, d, Set.of("server", "zones", "tsig", "propagationTimeout", "ttl", "followCname"));
        String raw = r.string(AT, d, "server", null);
        InetSocketAddress server = raw == null ? null : DnsSection.nameserver(raw);
        if (server == null) {
            r.problem(AT + ".server", d.get("server"), "the authoritative server's IP address with an optional port, "
                    + "such as 192.0.2.53 or 192.0.2.53:5353");
        }
        List<String> zones = new ArrayList<>();
        List<JsonNode> zn = r.list(AT, d, "zones");
        for (int i = 0; i < zn.size(); i++) {
            String z = Hostnames.normalize(zn.get(i).asText());
            if (z == null) {
                r.problem(AT + ".zones[" + i + "]", zn.get(i), "a DNS zone name such as example.com");
            } else {
                zones.add(z);
            }
        }
        JsonNode t = r.object(AT, d, "tsig");
        String keyName = null;
        String algorithm = null;
        Path secretFile = null;
        if (t == null) {
            r.problem(AT + ".tsig", null, "a mapping with name, secretFile and optionally algorithm (updates are "
                    + "signed with TSIG)");
        } else {
            r.onlyKnown(AT + ".tsig", t, Set.of("name", "algorithm", "secretFile"));
            keyName = r.string(AT + ".tsig", t, "name", null);
            if (keyName == null || Hostnames.normalize(keyName) == null) {
                r.problem(AT + ".tsig.name", t.get("name"), "the TSIG key name as the server knows it, such as "
                        + "gatehouse-acme");
                keyName = null;
            } else {
                keyName = Hostnames.normalize(keyName);
            }
            algorithm = r.string(AT + ".tsig", t, "algorithm", "hmac-sha256").toLowerCase(Locale.ROOT);
            if (!ALGORITHMS.contains(algorithm)) {
                r.problem(AT + ".tsig.algorithm", t.get("algorithm"), "one of " + new java.util.TreeSet<>(ALGORITHMS));
            }
            String sf = r.string(AT + ".tsig", t, "secretFile", null);
            secretFile = sf == null ? null : r.path(AT + ".tsig.secretFile", t.get("secretFile"), sf);
            if (sf == null) {
                r.problem(AT + ".tsig.secretFile", null, "a file holding the base64 TSIG secret (or a BIND key "
                        + "clause as tsig-keygen writes it)");
            } else if (enabled && secretFile != null) {
                try {
                    TsigSecret.read(secretFile);
                } catch (IOException | IllegalArgumentException e) {
                    // the message says what is wrong with the file, never what it holds
                    r.problem(AT + ".tsig.secretFile", t.get("secretFile"), "a readable file holding the base64 "
                            + "TSIG secret (or a BIND key clause as tsig-keygen writes it): " + e.getMessage());
                }
            }
        }
        Duration propagation = r.duration(AT, d, "propagationTimeout", Duration.ofSeconds(60));
        Duration ttl = r.duration(AT, d, "ttl", Duration.ofSeconds(60));
        if (ttl.compareTo(Duration.ofDays(1)) > 0) {
            r.problem(AT + ".ttl", d.get("ttl"), "at most 1d (the record lives only while the CA validates)");
        }
        return new GatehouseConfig.Dns01(server, List.copyOf(zones), keyName, algorithm, secretFile, propagation,
                ttl, r.bool(AT, d, "followCname", true));
    }

    /** Reads {@code acme.challenge}: which challenge proves exact names (wildcards always use DNS-01). */
    static String challenge(ConfigReader r, JsonNode a, GatehouseConfig.Dns01 dns01) {
        String c = r.string("acme", a, "challenge", "http-01");
        if (!c.equals("http-01") && !c.equals("dns-01")) {
            r.problem("acme.challenge", a.get("challenge"), "http-01 or dns-01");
            return "http-01";
        }
        if (c.equals("dns-01") && dns01 == null) {
            r.problem("acme.challenge", a.get("challenge"), "http-01 unless acme.dns01 names the DNS server to "
                    + "update");
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
