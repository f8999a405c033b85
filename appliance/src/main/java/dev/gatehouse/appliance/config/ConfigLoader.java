package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.tls.sni.Hostnames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads and validates {@code gatehouse.yaml}. Every problem is collected with its path, the value
 * found and what was expected; a file with any problem is refused as a whole, so a node never
 * starts on half a configuration.
 */
public final class ConfigLoader {

    private static final Yaml12Booleans FACTORY = new Yaml12Booleans();
    private static final ObjectMapper YAML = new ObjectMapper(FACTORY);
    private static final Set<String> CURVES = Set.of("P-256", "P-384", "P-521");

    private ConfigLoader() {
    }

    public static GatehouseConfig load(Path file) throws ConfigException, IOException {
        return parse(file.toString(), Files.readString(file));
    }

    /** An empty document gives the appliance defaults. */
    public static GatehouseConfig parse(String source, String yaml) throws ConfigException {
        JsonNode root;
        try {
            root = yaml.isBlank() ? YAML.createObjectNode()
                    : YAML.readTree(FACTORY.createParser(new java.io.StringReader(yaml)));
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new ConfigException(source, List.of(new ConfigProblem(where, null,
                    "valid YAML (" + e.getOriginalMessage() + ")")));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a StringReader does not fail
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            root = YAML.createObjectNode();
        }
        ConfigReader r = new ConfigReader();
        if (!root.isObject()) {
            r.problem("", root, "a mapping at the top level");
            throw new ConfigException(source, r.problems());
        }
        ConfigFile f = ConfigBinder.bind(r, "", root, ConfigFile.class);
        GatehouseConfig.Node node = new GatehouseConfig.Node(f.node().name() == null ? hostName() : f.node().name(),
                f.node().dataDir());
        GatehouseConfig.Listeners listeners = ListenersSection.read(r, f.listeners(), root.path("listeners"));
        InetSocketAddress https = listeners.https();
        GatehouseConfig.Console console = ListenersSection.console(r, f.console(), root.path("console"), https);
        Set<String> poolNames = new HashSet<>();
        List<GatehouseConfig.Pool> pools = PoolsSection.pools(r, f.pools(), root.path("pools"), poolNames);
        List<GatehouseConfig.Route> routes = PoolsSection.routes(r, f.routes(), root.path("routes"), poolNames);
        GatehouseConfig config = new GatehouseConfig(node, listeners, console,
                tls(r, f.tls(), root.path("tls")), proxy(r, f.proxy(), root.path("proxy")), List.copyOf(pools),
                List.copyOf(routes), PoolsSection.defaultPool(r, f.defaultPool(), root.path("defaultPool"), poolNames),
                ClusterSection.read(r, f.cluster(), root.path("cluster")),
                AcmeSection.read(r, f.acme(), root.path("acme")), f.claims(), f.store(), f.logging(),
                MetricsSection.read(r, f.metrics(), root.path("metrics"), https, console.listen()),
                accessLog(r, f.accessLog(), root.path("accessLog")), DnsSection.read(r, f.dns(), root.path("dns")),
                EventsSection.read(r, f.events(), root.path("events")), f.policy(),
                OcspSection.read(r, f.ocsp(), root.path("ocsp")));
        if (!r.problems().isEmpty()) {
            throw new ConfigException(source, inFileOrder(root, r.problems()));
        }
        return config;
    }

    /**
     * The problems grouped by section, in the order the file has its sections (within one, as found):
     * the binder reports types and unknown fields of the whole file before the sections' own rules run,
     * and {@code check-config} should still read section by section.
     */
    private static List<ConfigProblem> inFileOrder(JsonNode root, List<ConfigProblem> problems) {
        List<String> sections = new ArrayList<>();
        root.fieldNames().forEachRemaining(sections::add);
        return problems.stream().sorted(java.util.Comparator.comparingInt(p -> {
            int i = sections.indexOf(p.path().split("[.\\[]", 2)[0]);
            return i < 0 ? sections.size() : i;
        })).toList();
    }

    /** True for {@code host:port} with a valid host and a port 1-65535. */
    public static boolean validServer(String s) {
        dev.gatehouse.tls.net.HostPort hp = dev.gatehouse.tls.net.HostPort.parse(s);
        if (hp == null || hp.port() < 1 || hp.host().isEmpty()) {
            return false;
        }
        return hp.bracketed() ? hp.host().matches("[0-9a-fA-F:]+")
                : Hostnames.normalize(hp.host()) != null || ConfigReader.isIpv4(hp.host());
    }

    /** The field names an access-log line may carry (see {@code dev.gatehouse.appliance.accesslog.AccessLogLine}). */
    public static final List<String> ACCESS_LOG_FIELDS = List.of("ts", "type", "node", "client", "clientPort", "sni",
            "host", "tenant", "certificate", "pool", "server", "method", "path", "protocol", "status", "bytesIn",
            "bytesOut", "handshakeMs", "connectMs", "ttfbMs", "totalMs", "tls", "requestId", "cause", "upstreamError");

    private static GatehouseConfig.AccessLog accessLog(ConfigReader r, GatehouseConfig.AccessLog bound, JsonNode a) {
        String path = bound.path();
        if (path.isBlank() || (!path.equals("-") && !path.startsWith("/") && !path.startsWith("."))
                || path.endsWith("/")) {
            r.problem("accessLog.path", a.path("path"),
                    "a file path such as /var/log/gatehouse/access.log, or - for stdout");
        }
        List<String> fields = new ArrayList<>();
        List<String> asWritten = ConfigReader.orEmpty(bound.fields());
        for (int i = 0; i < asWritten.size(); i++) {
            String f = asWritten.get(i);
            JsonNode at = a.path("fields").path(i);
            if (f == null || !ACCESS_LOG_FIELDS.contains(f)) {
                r.problem("accessLog.fields[" + i + "]", at, "one of " + ACCESS_LOG_FIELDS);
            } else if (fields.contains(f)) {
                r.problem("accessLog.fields[" + i + "]", at, "each field once");
            } else {
                fields.add(f);
            }
        }
        return new GatehouseConfig.AccessLog(bound.enabled(), path, List.copyOf(fields), bound.query(),
                bound.sampleRefusedHandshakes(), bound.refusedHandshakesPerSecond(), bound.queueSize());
    }

    private static GatehouseConfig.Tls tls(ConfigReader r, GatehouseConfig.Tls bound, JsonNode t) {
        List<Path> dirs = new ArrayList<>();
        if (bound.certificateDirs() != null) {
            bound.certificateDirs().stream().filter(java.util.Objects::nonNull).forEach(dirs::add);
        }
        Set<String> curves = new LinkedHashSet<>();
        List<JsonNode> curveNodes = elements(t, "allowedCurves"); // not a list: the binder said so
        for (int i = 0; i < curveNodes.size(); i++) {
            String cv = curveNodes.get(i).asText();
            if (!CURVES.contains(cv)) {
                r.problem("tls.allowedCurves[" + i + "]", curveNodes.get(i), "one of " + CURVES);
            }
            curves.add(cv);
        }
        if (curves.isEmpty()) {
            curves.addAll(List.of("P-256", "P-384"));
        }
        if (bound.maxClientHelloBytes() < 512 || bound.maxClientHelloBytes() > 0xFFFFFF) {
            r.problem("tls.maxClientHelloBytes", t.path("maxClientHelloBytes"), "512..16MiB");
        }
        return new GatehouseConfig.Tls(bound.preferNative(), bound.http2(), bound.maxContexts(),
                bound.handshakeTimeout(), bound.maxClientHelloBytes(), bound.sessionTimeout(),
                bound.defaultCertificate(), List.copyOf(dirs), bound.minRsaBits(), Set.copyOf(curves));
    }

    private static GatehouseConfig.Proxy proxy(ConfigReader r, GatehouseConfig.Proxy bound, JsonNode p) {
        Set<String> trusted = new LinkedHashSet<>();
        List<JsonNode> trustedNodes = elements(p, "trustedProxies");
        for (int i = 0; i < trustedNodes.size(); i++) {
            String ip = trustedNodes.get(i).asText();
            if (ConfigReader.parseAddress(ip + ":0") == null || ip.equals("localhost")) {
                r.problem("proxy.trustedProxies[" + i + "]", trustedNodes.get(i), "an IP address");
            } else {
                trusted.add(ip);
            }
        }
        if (bound.maxHeaderBytes() < 1024 || bound.maxHeaderBytes() > 1024 * 1024) {
            r.problem("proxy.maxHeaderBytes", p.path("maxHeaderBytes"), "1KiB..1MiB");
        }
        if (bound.connectTimeout().compareTo(bound.requestTimeout()) > 0) {
            r.problem("proxy.connectTimeout", p.path("connectTimeout"), "<= proxy.requestTimeout "
                    + ConfigReader.human(bound.requestTimeout()));
        }
        return new GatehouseConfig.Proxy(bound.maxHeaderBytes(), bound.maxBodyBytes(), bound.connectTimeout(),
                bound.requestTimeout(), bound.idleTimeout(), bound.headerTimeout(), trusted, bound.drainTimeout());
    }

    /** The elements of a list field as written, for per-element checks (empty when absent or not a list). */
    private static List<JsonNode> elements(JsonNode section, String field) {
        JsonNode n = section == null ? null : section.get(field);
        List<JsonNode> out = new ArrayList<>();
        if (n != null && n.isArray()) {
            n.forEach(out::add);
        }
        return out;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "gatehouse";
        }
    }
}
