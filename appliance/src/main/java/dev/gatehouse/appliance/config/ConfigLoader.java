package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.HealthCheckSpec;
import dev.gatehouse.tls.sni.Hostnames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        r.onlyKnown("", root, Set.of("node", "listeners", "console", "tls", "proxy", "pools", "routes", "defaultPool",
                "cluster", "acme", "claims", "store", "logging", "metrics", "accessLog", "dns",
                "events", "policy", "ocsp"));

        JsonNode n = r.object("", root, "node");
        r.onlyKnown("node", n, Set.of("name", "dataDir"));
        String name = r.string("node", n, "name", hostName());
        GatehouseConfig.Node node = new GatehouseConfig.Node(name, r.path("node.dataDir",
                n == null ? null : n.get("dataDir"), r.string("node", n, "dataDir", "/var/lib/gatehouse")));

        JsonNode l = r.object("", root, "listeners");
        r.onlyKnown("listeners", l, Set.of("https", "http", "publicHttpsPort", "redirectHttp", "ioThreads",
                "monitorPath", "proxyProtocol"));
        InetSocketAddress https = r.address("listeners", l, "https", "0.0.0.0:443", false);
        InetSocketAddress http = r.address("listeners", l, "http", "0.0.0.0:80", true);
        int publicPort = r.integer("listeners", l, "publicHttpsPort", 0, 0, 65535);
        if (https != null && http != null && https.getPort() != 0 && https.equals(http)) {
            r.problem("listeners.http", l.get("http"), "an address other than listeners.https " + https);
        }
        GatehouseConfig.Listeners listeners = new GatehouseConfig.Listeners(https, http, publicPort,
                r.bool("listeners", l, "redirectHttp", true), r.integer("listeners", l, "ioThreads", 0, 0, 1024),
                r.string("listeners", l, "monitorPath", null), ProxyProtocolSection.read(r, l));
        if (listeners.monitorPath() != null && (!listeners.monitorPath().startsWith("/")
                || listeners.monitorPath().startsWith("/.well-known/acme-challenge/"))) {
            r.problem("listeners.monitorPath", l.get("monitorPath"),
                    "an absolute path such as /gatehouse-monitor, outside /.well-known/acme-challenge/");
        }

        JsonNode c = r.object("", root, "console");
        GatehouseConfig.Console console = ConfigBinder.bind(r, "console", c, GatehouseConfig.Console.class);
        InetSocketAddress consoleAddr = console.listen();
        if (console.maxUploadBytes() < 4096 || console.maxUploadBytes() > 64L * 1024 * 1024) {
            r.problem("console.maxUploadBytes", c.get("maxUploadBytes"), "4KiB..64MiB");
        }
        if (consoleAddr != null && https != null && consoleAddr.getPort() != 0 && consoleAddr.equals(https)) {
            r.problem("console.listen", c.get("listen"), "an address other than listeners.https " + https);
        }
        Duration authWindow = console.authFailureWindow();
        if (authWindow.compareTo(Duration.ofSeconds(1)) < 0 || authWindow.compareTo(Duration.ofHours(1)) > 0) {
            r.problem("console.authFailureWindow", c.get("authFailureWindow"), "1s..1h");
        }

        GatehouseConfig.Tls tls = tls(r, r.object("", root, "tls"));
        GatehouseConfig.Proxy proxy = proxy(r, r.object("", root, "proxy"));

        List<GatehouseConfig.Pool> pools = new ArrayList<>();
        Set<String> poolNames = new HashSet<>();
        List<JsonNode> poolNodes = r.list("", root, "pools");
        for (int i = 0; i < poolNodes.size(); i++) {
            String at = "pools[" + i + "]";
            JsonNode pn = poolNodes.get(i);
            if (!pn.isObject()) {
                r.problem(at, pn, "a mapping with name and servers");
                continue;
            }
            r.onlyKnown(at, pn, Set.of("name", "servers", "policy", "healthCheck"));
            String poolName = r.string(at, pn, "name", null);
            if (poolName == null || !poolName.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                r.problem(at + ".name", pn.get("name"), "a name of lower-case letters, digits and dashes");
            } else if (!poolNames.add(poolName)) {
                r.problem(at + ".name", pn.get("name"), "a name not used by another pool");
            }
            List<String> servers = new ArrayList<>();
            List<JsonNode> sn = r.list(at, pn, "servers");
            if (sn.isEmpty()) {
                r.problem(at + ".servers", pn.get("servers"), "at least one host:port");
            }
            for (int j = 0; j < sn.size(); j++) {
                String s = sn.get(j).asText();
                if (!validServer(s)) {
                    r.problem(at + ".servers[" + j + "]", sn.get(j), "host:port with a port 1-65535");
                } else {
                    servers.add(s);
                }
            }
            HealthCheckSpec hc = null;
            JsonNode h = r.object(at, pn, "healthCheck");
            if (h != null) {
                String hat = at + ".healthCheck";
                r.onlyKnown(hat, h, Set.of("path", "interval", "timeout", "rise", "fall"));
                String path = r.string(hat, h, "path", "/");
                Duration interval = r.duration(hat, h, "interval", Duration.ofSeconds(2));
                Duration timeout = r.duration(hat, h, "timeout", Duration.ofSeconds(1));
                int rise = r.integer(hat, h, "rise", 2, 1, 100);
                int fall = r.integer(hat, h, "fall", 2, 1, 100);
                if (!path.startsWith("/")) {
                    r.problem(hat + ".path", h.get("path"), "a path starting with /");
                } else if (timeout.compareTo(interval) > 0) {
                    r.problem(hat + ".timeout", h.get("timeout"), "<= interval " + ConfigReader.human(interval));
                } else {
                    hc = new HealthCheckSpec(path, interval, timeout, rise, fall);
                }
            }
            pools.add(new GatehouseConfig.Pool(poolName, servers,
                    r.enumValue(at, pn, "policy", BackendPool.Policy.class, BackendPool.Policy.ROUND_ROBIN), hc));
        }

        List<GatehouseConfig.Route> routes = new ArrayList<>();
        List<JsonNode> routeNodes = r.list("", root, "routes");
        Set<String> hosts = new HashSet<>();
        for (int i = 0; i < routeNodes.size(); i++) {
            String at = "routes[" + i + "]";
            JsonNode rn = routeNodes.get(i);
            r.onlyKnown(at, rn, Set.of("host", "pool"));
            String host = r.string(at, rn, "host", null);
            String pool = r.string(at, rn, "pool", null);
            String norm = Hostnames.normalizePattern(host);
            if (norm == null) {
                r.problem(at + ".host", rn.get("host"), "a DNS name or *.parent.tld");
            } else if (!hosts.add(norm)) {
                r.problem(at + ".host", rn.get("host"), "a host not routed by another entry");
            }
            if (pool == null || !poolNames.contains(pool)) {
                r.problem(at + ".pool", rn.get("pool"), "the name of a pool in pools " + poolNames);
            }
            routes.add(new GatehouseConfig.Route(norm, pool));
        }
        String defaultPool = r.string("", root, "defaultPool", null);
        if (defaultPool != null && !poolNames.contains(defaultPool)) {
            r.problem("defaultPool", root.get("defaultPool"), "the name of a pool in pools " + poolNames);
        }
        JsonNode cl = r.object("", root, "cluster");
        r.onlyKnown("cluster", cl, Set.of("enabled", "name", "bind", "members", "keyFile", "previousKeyFile",
                "ticketKeyRotation", "membership"));
        boolean clusterOn = r.bool("cluster", cl, "enabled", false);
        InetSocketAddress bind = r.address("cluster", cl, "bind", "127.0.0.1:5701", false);
        List<String> members = new ArrayList<>();
        List<JsonNode> memberNodes = r.list("cluster", cl, "members");
        for (int i = 0; i < memberNodes.size(); i++) {
            String m = memberNodes.get(i).asText();
            if (ConfigReader.parseAddress(m) == null) {
                r.problem("cluster.members[" + i + "]", memberNodes.get(i), "host:port with an IP address");
            } else {
                members.add(m);
            }
        }
        String keyFile = r.string("cluster", cl, "keyFile", "/etc/gatehouse/cluster.key");
        String previous = r.string("cluster", cl, "previousKeyFile", null);
        if (clusterOn && members.isEmpty()) {
            r.problem("cluster.members", cl == null ? null : cl.get("members"),
                    "every member's host:port (this node included) when cluster.enabled is true");
        }
        if (clusterOn && bind != null && !members.isEmpty()
                && members.stream().noneMatch(m -> bind.equals(ConfigReader.parseAddress(m)))) {
            r.problem("cluster.bind", cl.get("bind"), "one of cluster.members " + members);
        }
        GatehouseConfig.Membership membership = null;
        JsonNode mem = r.object("cluster", cl, "membership");
        if (mem != null) {
            r.onlyKnown("cluster.membership", mem, Set.of("port", "peers", "secretFile", "ha", "failureDetection"));
            int jport = r.integer("cluster.membership", mem, "port", 7800, 1, 65535);
            List<String> peers = new ArrayList<>();
            List<JsonNode> peerNodes = r.list("cluster.membership", mem, "peers");
            for (int i = 0; i < peerNodes.size(); i++) {
                String pr = peerNodes.get(i).asText();
                if (ConfigReader.parseAddress(pr) == null) {
                    r.problem("cluster.membership.peers[" + i + "]", peerNodes.get(i), "host:port with an IP address");
                } else {
                    peers.add(pr);
                }
            }
            if (peers.isEmpty()) {
                r.problem("cluster.membership.peers", mem.get("peers"), "every member's host:port, this node included");
            }
            String secret = r.string("cluster.membership", mem, "secretFile", null);
            if (secret == null) {
                r.problem("cluster.membership.secretFile", null, "a file of at least 16 random bytes, the same on every node");
            }
            if (!clusterOn) {
                r.problem("cluster.membership", mem, "only with cluster.enabled: true");
            }
            GatehouseConfig.Ha ha = readHa(r, r.object("cluster.membership", mem, "ha"));
            JsonNode fd = r.object("cluster.membership", mem, "failureDetection");
            r.onlyKnown("cluster.membership.failureDetection", fd, Set.of("heartbeat", "timeout", "verify"));
            String fdp = "cluster.membership.failureDetection";
            Duration heartbeat = r.duration(fdp, fd, "heartbeat", Duration.ofMillis(100));
            Duration timeout = r.duration(fdp, fd, "timeout", Duration.ofMillis(600));
            Duration verify = r.duration(fdp, fd, "verify", Duration.ofMillis(100));
            if (heartbeat != null && timeout != null && timeout.compareTo(heartbeat.multipliedBy(3)) < 0) {
                r.problem(fdp + ".timeout", fd.get("timeout"), "at least 3 heartbeats (" + heartbeat.multipliedBy(3)
                        + "), or one late packet excludes a healthy member");
            }
            membership = new GatehouseConfig.Membership(jport, peers,
                    r.path("cluster.membership.secretFile", mem.get("secretFile"), secret), ha,
                    heartbeat, timeout, verify);
        }
        GatehouseConfig.Cluster cluster = new GatehouseConfig.Cluster(clusterOn,
                r.string("cluster", cl, "name", "gatehouse"), bind, members,
                r.path("cluster.keyFile", cl == null ? null : cl.get("keyFile"), keyFile),
                r.path("cluster.previousKeyFile", cl == null ? null : cl.get("previousKeyFile"), previous),
                r.duration("cluster", cl, "ticketKeyRotation", Duration.ofHours(12)), membership);
        GatehouseConfig.Acme acme = AcmeSection.read(r, r.object("", root, "acme"));
        GatehouseConfig.Claims claims = ConfigBinder.bind(r, "claims", r.object("", root, "claims"),
                GatehouseConfig.Claims.class);
        GatehouseConfig.Store store = ConfigBinder.bind(r, "store", r.object("", root, "store"),
                GatehouseConfig.Store.class);
        GatehouseConfig.Logging logging = ConfigBinder.bind(r, "logging", r.object("", root, "logging"),
                GatehouseConfig.Logging.class);
        GatehouseConfig.Metrics metrics = MetricsSection.read(r, r.object("", root, "metrics"), https, consoleAddr);
        GatehouseConfig.AccessLog accessLog = accessLog(r, r.object("", root, "accessLog"));
        dev.gatehouse.tls.backend.DnsSettings dns = DnsSection.read(r, r.object("", root, "dns"));
        GatehouseConfig.Events events = EventsSection.read(r, r.object("", root, "events"));
        GatehouseConfig.Policy policy = PolicySection.read(r, r.object("", root, "policy"));
        GatehouseConfig.Ocsp ocsp = OcspSection.read(r, r.object("", root, "ocsp"));
        if (!r.problems().isEmpty()) {
            throw new ConfigException(source, r.problems());
        }
        return new GatehouseConfig(node, listeners, console, tls, proxy, List.copyOf(pools), List.copyOf(routes),
                defaultPool, cluster, acme, claims, store, logging, metrics, accessLog, dns, events, policy, ocsp);
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

    private static GatehouseConfig.AccessLog accessLog(ConfigReader r, JsonNode a) {
        GatehouseConfig.AccessLog bound = ConfigBinder.bind(r, "accessLog", a, GatehouseConfig.AccessLog.class);
        String path = bound.path();
        if (path.isBlank() || (!path.equals("-") && !path.startsWith("/") && !path.startsWith("."))
                || path.endsWith("/")) {
            r.problem("accessLog.path", a == null ? null : a.get("path"),
                    "a file path such as /var/log/gatehouse/access.log, or - for stdout");
        }
        List<String> fields = new ArrayList<>();
        List<String> asWritten = bound.fields() == null ? List.of() : bound.fields();
        for (int i = 0; i < asWritten.size(); i++) {
            String f = asWritten.get(i);
            JsonNode at = a.get("fields").get(i);
            if (!ACCESS_LOG_FIELDS.contains(f)) {
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

    private static GatehouseConfig.Tls tls(ConfigReader r, JsonNode t) {
        GatehouseConfig.Tls bound = ConfigBinder.bind(r, "tls", t, GatehouseConfig.Tls.class);
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
            r.problem("tls.maxClientHelloBytes", t.get("maxClientHelloBytes"), "512..16MiB");
        }
        return new GatehouseConfig.Tls(bound.preferNative(), bound.http2(), bound.maxContexts(),
                bound.handshakeTimeout(), bound.maxClientHelloBytes(), bound.sessionTimeout(),
                bound.defaultCertificate(), List.copyOf(dirs), bound.minRsaBits(), Set.copyOf(curves));
    }

    private static GatehouseConfig.Proxy proxy(ConfigReader r, JsonNode p) {
        GatehouseConfig.Proxy bound = ConfigBinder.bind(r, "proxy", p, GatehouseConfig.Proxy.class);
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
            r.problem("proxy.maxHeaderBytes", p.get("maxHeaderBytes"), "1KiB..1MiB");
        }
        if (bound.connectTimeout().compareTo(bound.requestTimeout()) > 0) {
            r.problem("proxy.connectTimeout", p.get("connectTimeout"), "<= proxy.requestTimeout "
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

    /** {@code cluster.membership.ha}: the VIPs and how they move. */
    private static GatehouseConfig.Ha readHa(ConfigReader r, JsonNode ha) {
        if (ha == null) {
            return null;
        }
        String p = "cluster.membership.ha";
        r.onlyKnown(p, ha, Set.of("driver", "interface", "vips", "failback", "settle", "handover", "gateway", "ec2"));
        GatehouseConfig.VipDriverKind driver = r.enumValue(p, ha, "driver", GatehouseConfig.VipDriverKind.class,
                GatehouseConfig.VipDriverKind.NETLINK);
        String defaultInterface = r.string(p, ha, "interface", "eth0");
        List<GatehouseConfig.VipConfig> vips = new ArrayList<>();
        List<JsonNode> list = r.list(p, ha, "vips");
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String vp = p + ".vips[" + i + "]";
            JsonNode v = list.get(i);
            JsonNode spec = v.isTextual() ? null : v;
            String address = v.isTextual() ? v.asText() : r.string(vp, spec, "address", null);
            if (spec != null) {
                r.onlyKnown(vp, spec, Set.of("address", "interface", "preferredOwner", "elasticIp"));
            }
            if (address == null) {
                r.problem(vp + ".address", null, "an IPv4 address with prefix, e.g. 198.18.0.100/24");
                continue;
            }
            String iface = spec == null ? defaultInterface : r.string(vp, spec, "interface", defaultInterface);
            dev.gatehouse.cluster.vip.driver.VipSpec parsed;
            try {
                parsed = dev.gatehouse.cluster.vip.driver.VipSpec.parse(address, iface);
            } catch (IllegalArgumentException e) {
                r.problem(vp + ".address", v.isTextual() ? v : spec.get("address"), "an IPv4 address with prefix, e.g. "
                        + "198.18.0.100/24 (" + e.getMessage() + ")");
                continue;
            }
            if (!seen.add(parsed.name())) {
                r.problem(vp + ".address", v.isTextual() ? v : spec.get("address"), "each VIP once ("
                        + parsed.name() + " is listed twice)");
            }
            String eip = spec == null ? null : r.string(vp, spec, "elasticIp", null);
            if (eip != null && driver != GatehouseConfig.VipDriverKind.EC2) {
                r.problem(vp + ".elasticIp", spec.get("elasticIp"), "only with driver: ec2");
            }
            if (eip != null && !eip.matches("eipalloc-[0-9a-f]{8,17}")) {
                r.problem(vp + ".elasticIp", spec.get("elasticIp"), "an allocation id such as eipalloc-0123456789abcdef0");
            }
            vips.add(new GatehouseConfig.VipConfig(parsed.name(), parsed.prefixLength(), iface,
                    spec == null ? null : r.string(vp, spec, "preferredOwner", null), eip));
        }
        if (vips.isEmpty()) {
            r.problem(p + ".vips", ha.get("vips"), "at least one VIP, e.g. [198.18.0.100/24]");
        }
        Duration failback = r.durationOrOff(p, ha, "failback", null);
        String gateway = r.string(p, ha, "gateway", null);
        if (gateway != null && !gateway.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            r.problem(p + ".gateway", ha.get("gateway"), "an IPv4 address (the router this node must reach to keep VIPs)");
        }
        GatehouseConfig.Ec2 ec2 = null;
        JsonNode e = r.object(p, ha, "ec2");
        if (e != null) {
            r.onlyKnown(p + ".ec2", e, Set.of("imdsEndpoint", "endpoint", "region", "callTimeout", "mode"));
            if (driver != GatehouseConfig.VipDriverKind.EC2) {
                r.problem(p + ".ec2", e, "only with driver: ec2");
            }
        }
        if (driver == GatehouseConfig.VipDriverKind.EC2) {
            String mode = r.string(p + ".ec2", e, "mode", "secondary-ip");
            if (!"secondary-ip".equals(mode) && !"elastic-ip".equals(mode)) {
                r.problem(p + ".ec2.mode", e.get("mode"), "secondary-ip (one subnet: a private IP moves) or elastic-ip "
                        + "(nodes in different subnets or zones: only the Elastic IP moves)");
            }
            boolean elasticIpOnly = "elastic-ip".equals(mode);
            if (elasticIpOnly) {
                for (int i = 0; i < vips.size(); i++) {
                    GatehouseConfig.VipConfig v = vips.get(i);
                    if (v.elasticIp() == null) {
                        r.problem(p + ".vips[" + i + "].elasticIp", null, "an allocation id for every VIP with "
                                + "ec2.mode elastic-ip (the VIP is the Elastic IP, its address the public one)");
                    }
                }
            }
            ec2 = new GatehouseConfig.Ec2(r.string(p + ".ec2", e, "imdsEndpoint", "http://169.254.169.254"),
                    r.string(p + ".ec2", e, "endpoint", null), r.string(p + ".ec2", e, "region", null),
                    r.duration(p + ".ec2", e, "callTimeout", Duration.ofSeconds(5)), elasticIpOnly);
            try {
                ec2.settings();
            } catch (IllegalArgumentException bad) {
                r.problem(p + ".ec2", e, "valid ec2 settings (" + bad.getMessage() + ")");
            }
        }
        return new GatehouseConfig.Ha(driver, List.copyOf(vips), failback,
                r.duration(p, ha, "settle", Duration.ofSeconds(2)), r.duration(p, ha, "handover", Duration.ofMillis(300)),
                gateway, ec2);
    }
}
