package dev.gatehouse.appliance.testing;

import dev.gatehouse.tls.testing.Tools;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * BIND 9 (Debian {@code bind9}) as a real authoritative server on 127.0.0.1 and a free port, in the
 * foreground ({@code named -g}, not a daemon), primary for one test zone that accepts RFC 2136
 * updates of TXT records signed with one TSIG key. Records are read and written with the real
 * {@code dig} and {@code nsupdate} (Debian {@code bind9-dnsutils}).
 */
public final class Bind implements AutoCloseable {

    public static final String KEY_NAME = "gatehouse-acme";

    private final Process process;
    private final Path log;
    public final int port;
    public final String zone;
    public final String secret;

    private Bind(Process process, Path log, int port, String zone, String secret) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.zone = zone;
        this.secret = secret;
    }

    /** Skips loudly (fails in CI) unless named, dig, nsupdate and tsig-keygen are installed. */
    public static void require() {
        if (named() == null) {
            Tools.require("named");
        }
        Tools.require("dig");
        Tools.require("nsupdate");
    }

    private static String named() {
        for (String dir : (System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin").split(":")) {
            File f = new File(dir, "named");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    /** Starts named authoritative for {@code zone} with a fresh random HMAC-SHA256 key; {@code a} gets an A record. */
    public static Bind start(Path dir, String zone, String... aRecords) throws Exception {
        return start(dir, java.util.Map.of(zone, Arrays.stream(aRecords).map(a -> a + " IN A 127.0.0.1").toList()));
    }

    /**
     * Starts named authoritative for every zone of {@code zones} (the first in iteration order is
     * the one {@link #nsupdate} updates), each with its extra zone-file lines; the key may update TXT
     * records in all of them.
     */
    public static Bind start(Path dir, java.util.Map<String, List<String>> zones) throws Exception {
        Files.createDirectories(dir);
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        String secret = java.util.Base64.getEncoder().encodeToString(key);
        int port = Pebble.freePort();
        StringBuilder zoneClauses = new StringBuilder();
        for (java.util.Map.Entry<String, List<String>> z : zones.entrySet()) {
            StringBuilder zoneFile = new StringBuilder("$TTL 60\n@ IN SOA ns1 hostmaster 1 60 60 600 60\n@ IN NS ns1\n"
                    + "ns1 IN A 127.0.0.1\n");
            z.getValue().forEach(line -> zoneFile.append(line).append('\n'));
            Files.writeString(dir.resolve(z.getKey() + ".zone"), zoneFile);
            zoneClauses.append("zone \"").append(z.getKey()).append("\" { type primary; file \"").append(z.getKey())
                    .append(".zone\"; update-policy { grant ").append(KEY_NAME).append(" zonesub TXT; }; };\n");
        }
        String zone = zones.keySet().iterator().next();
        writeConf(dir, port, "key \"" + KEY_NAME + "\" { algorithm hmac-sha256; secret \"" + secret + "\"; };\n",
                List.of("recursion no;", "dnssec-validation no;", "allow-query { any; };"), zoneClauses);
        return launch(dir, port, zone, secret);
    }

    /**
     * A second named as the recursive resolver a CA uses (what Pebble is pointed at): it forwards
     * each of {@code zones} to {@code authoritative}'s port and follows CNAMEs from one zone into
     * another, which an authoritative server without recursion does not do. Caches for at most 1 s.
     */
    public static Bind startResolver(Path dir, Bind authoritative, java.util.Collection<String> zones)
            throws Exception {
        Files.createDirectories(dir);
        int port = Pebble.freePort();
        StringBuilder forwards = new StringBuilder();
        for (String z : zones) {
            forwards.append("zone \"").append(z).append("\" { type forward; forward only; forwarders { 127.0.0.1 port ")
                    .append(authoritative.port).append("; }; };\n");
        }
        writeConf(dir, port, "", List.of("recursion yes;", "allow-recursion { any; };", "allow-query { any; };",
                "dnssec-validation no;", "max-cache-ttl 1;", "max-ncache-ttl 1;"), forwards);
        return launch(dir, port, null, null);
    }

    /**
     * Writes {@code named.conf}: {@code keys}, then the options of every server here (its directory,
     * 127.0.0.1 and {@code port} only, no pid file) and {@code options}, no control channel, then {@code zones}.
     */
    private static void writeConf(Path dir, int port, String keys, List<String> options, CharSequence zones)
            throws IOException {
        StringBuilder conf = new StringBuilder(keys)
                .append("options {\n")
                .append("  directory \"").append(dir).append("\";\n")
                .append("  listen-on port ").append(port).append(" { 127.0.0.1; };\n")
                .append("  listen-on-v6 { none; };\n")
                .append("  pid-file none;\n");
        options.forEach(o -> conf.append("  ").append(o).append('\n'));
        conf.append("};\n").append("controls { };\n").append(zones);
        Files.writeString(dir.resolve("named.conf"), conf);
    }

    private static Bind launch(Path dir, int port, String zone, String secret) throws Exception {
        Path log = dir.resolve("named.log");
        Process p = new ProcessBuilder(named(), "-g", "-c", dir.resolve("named.conf").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Bind b = new Bind(p, log, port, zone, secret);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(log).contains("all zones loaded")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                b.close();
                throw new AssertionError("named did not start: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        return b;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    /** The TXT values the server answers for {@code name}, asked with dig. */
    public List<String> txt(String name) {
        Tools.Result r = Tools.run(List.of("dig", "+short", "+tries=1", "+time=3", "@127.0.0.1", "-p",
                String.valueOf(port), name, "TXT"), null, 20);
        if (r.exitCode() != 0) {
            throw new AssertionError("dig: " + r.all());
        }
        return Arrays.stream(r.stdout().split("\n")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.replace("\"", "")).toList();
    }

    /** Sends {@code update add/delete ...} lines with nsupdate, signed with the zone's key. */
    public void nsupdate(String... updates) {
        StringBuilder in = new StringBuilder("server 127.0.0.1 " + port + "\nzone " + zone + "\n");
        for (String u : updates) {
            in.append("update ").append(u).append('\n');
        }
        in.append("send\n");
        Tools.Result r = Tools.run(List.of("nsupdate", "-y", "hmac-sha256:" + KEY_NAME + ":" + secret),
                in.toString().getBytes(StandardCharsets.US_ASCII), 20);
        if (r.exitCode() != 0) {
            throw new AssertionError("nsupdate: " + r.all());
        }
    }

    public String log() throws Exception {
        return Files.readString(log);
    }

    @Override
    public void close() throws Exception {
        Processes.stop(process, Duration.ofSeconds(10));
    }
}
