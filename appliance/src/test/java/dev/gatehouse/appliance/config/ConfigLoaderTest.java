package dev.gatehouse.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    @Test
    void emptyFileGivesApplianceDefaults() throws Exception {
        GatehouseConfig c = ConfigLoader.parse("empty", "");
        assertThat(c.listeners().https().getPort()).isEqualTo(443);
        assertThat(c.listeners().http().getPort()).isEqualTo(80);
        assertThat(c.console().listen().getAddress().isLoopbackAddress()).isTrue();
        assertThat(c.console().listen().getPort()).isEqualTo(9443);
        assertThat(c.console().workerThreads()).isEqualTo(4);
        assertThat(c.console().maxQueuedRequests()).isEqualTo(256);
        assertThat(c.console().authFailureLimit()).isEqualTo(10);
        assertThat(c.console().authFailureWindow()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.node().dataDir()).isEqualTo(Path.of("/var/lib/gatehouse"));
        assertThat(c.proxy().requestTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.tls().allowedCurves()).containsExactlyInAnyOrder("P-256", "P-384");
    }

    @Test
    void annotatedExampleFileIsValid() throws Exception {
        GatehouseConfig c = ConfigLoader.load(Path.of("gatehouse.example.yaml"));
        assertThat(c.pools()).hasSize(1);
        assertThat(c.routes()).extracting(GatehouseConfig.Route::host).containsExactly("*.tenant-b.example");
        assertThat(c.defaultPool()).isEqualTo("app");
    }

    /** What {@code read} gives is {@code expected} for an empty file and for the annotated example file alike. */
    private static <T> void assertDefault(Function<GatehouseConfig, T> read, T expected) throws Exception {
        assertThat(read.apply(ConfigLoader.parse("empty", ""))).isEqualTo(expected);
        assertThat(read.apply(ConfigLoader.load(Path.of("gatehouse.example.yaml")))).isEqualTo(expected);
    }

    @Test
    void tombstonesLiveSevenDaysByDefaultAndAtLeastAnHour() throws Exception {
        assertDefault(c -> c.store().tombstoneTtl(), Duration.ofDays(7));
        assertThat(ConfigLoader.parse("t", "store: {tombstoneTtl: 30d}").store().tombstoneTtl())
                .isEqualTo(Duration.ofDays(30));
        assertThat(ConfigLoader.parse("t", "store: {tombstoneTtl: 1h}").store().tombstoneTtl())
                .isEqualTo(Duration.ofHours(1));
    }

    @Test
    void unprovenClaimsLiveSevenDaysByDefaultAndAtLeastAMinute() throws Exception {
        assertDefault(c -> c.claims().pendingTtl(), Duration.ofDays(7));
        assertThat(ConfigLoader.parse("t", "claims: {pendingTtl: 2d}").claims().pendingTtl())
                .isEqualTo(Duration.ofDays(2));
    }

    @Test
    void logsTextByDefaultAndJsonWhenAsked() throws Exception {
        assertDefault(c -> c.logging().format(), dev.gatehouse.appliance.logging.LogFormat.Kind.TEXT);
        assertThat(ConfigLoader.parse("t", "logging: {format: json}").logging().format())
                .isEqualTo(dev.gatehouse.appliance.logging.LogFormat.Kind.JSON);
    }

    @Test
    void acmeIsOffByDefaultAndReadsItsSection() throws Exception {
        GatehouseConfig.Acme off = ConfigLoader.parse("empty", "").acme();
        assertThat(off.enabled()).isFalse();
        assertThat(off.txtLabel()).isEqualTo("_gatehouse-challenge");
        assertThat(off.expiryWarning()).isEqualTo(Duration.ofDays(21));
        GatehouseConfig.Acme on = ConfigLoader.parse("t", String.join("\n", "acme:", "  enabled: true",
                "  directory: 'https://127.0.0.1:14000/dir'", "  resolvers: ['127.0.0.1:8053']", "  target: Edge.Example.NET",
                "  renewBefore: 30d", "  interval: 5s", "  leaseTtl: 1m")).acme();
        assertThat(on.enabled()).isTrue();
        assertThat(on.directory().toString()).isEqualTo("https://127.0.0.1:14000/dir");
        assertThat(on.resolvers()).hasSize(1);
        assertThat(on.target()).isEqualTo("edge.example.net");
        assertThat(on.renewBefore()).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void metricsListenOnLoopbackByDefaultWithoutTenantLabels() throws Exception {
        GatehouseConfig.Metrics m = ConfigLoader.parse("t", "").metrics();
        assertThat(m.enabled()).isTrue();
        assertThat(m.listen()).isEqualTo(new java.net.InetSocketAddress("127.0.0.1", 9464));
        assertThat(m.token()).isNull();
        assertThat(m.allow()).isEmpty();
        assertThat(m.tenantLabels()).isZero();
        GatehouseConfig.Metrics set = ConfigLoader.parse("t", "metrics: {listen: '10.0.0.5:9100', tokenFile: "
                + "/etc/gatehouse/metrics.token, allow: ['10.0.0.0/8', '192.0.2.7'], tenantLabels: 50}").metrics();
        assertThat(set.allow()).extracting(Object::toString).containsExactly("10.0.0.0/8", "192.0.2.7/32");
        assertThat(set.tokenFile()).hasToString("/etc/gatehouse/metrics.token");
        assertThat(set.tenantLabels()).isEqualTo(50);
        assertThat(ConfigLoader.parse("t", "metrics: {token: 0123456789abcdef-secret}").metrics().toString())
                .doesNotContain("secret");
    }

    @Test
    void proxyProtocolIsOffByDefaultAndTrustsTheListedNetworks() throws Exception {
        assertThat(ConfigLoader.parse("t", "").listeners().proxyProtocol())
                .isEqualTo(dev.gatehouse.tls.net.ProxyProtocolSettings.OFF);
        assertThat(ConfigLoader.load(Path.of("gatehouse.example.yaml")).listeners().proxyProtocol().on(true)).isFalse();
        var pp = ConfigLoader.parse("t", "listeners: {proxyProtocol: {from: ['10.0.0.0/16', 'fd00::/8', 192.0.2.7]}}")
                .listeners().proxyProtocol();
        assertThat(pp.trustedSources()).extracting(Object::toString)
                .containsExactly("10.0.0.0/16", "fd00:0:0:0:0:0:0:0/8", "192.0.2.7/32");
        assertThat(pp.headerTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(pp.on(true)).isTrue();
        assertThat(pp.on(false)).isTrue();
        var httpsOnly = ConfigLoader.parse("t", "listeners: {proxyProtocol: {from: [10.0.0.0/8], timeout: 750ms, "
                + "http: false}}").listeners().proxyProtocol();
        assertThat(httpsOnly.headerTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(httpsOnly.on(true)).isTrue();
        assertThat(httpsOnly.on(false)).isFalse();
    }

    @Test
    void portEightyCanBeSwitchedOffQuotedOrNot() throws Exception {
        assertThat(ConfigLoader.parse("t", "listeners: {http: off}").listeners().http()).isNull();
        assertThat(ConfigLoader.parse("t", "listeners: {http: 'off'}").listeners().http()).isNull();
    }

    private static final String MEMBERSHIP = "cluster: {enabled: true, members: ['127.0.0.1:5701'], membership: "
            + "{peers: ['127.0.0.1:7800'], secretFile: /s, ";

    @Test
    void haSectionReadsVipsWithDefaults() throws Exception {
        GatehouseConfig c = ConfigLoader.parse("t", MEMBERSHIP + "ha: {interface: ens5, failback: 30s, vips: "
                + "['198.18.0.100/24', {address: 198.18.0.101, interface: eth1, preferredOwner: lb2}]}}}");
        GatehouseConfig.Ha ha = c.cluster().membership().ha();
        assertThat(ha.driver()).isEqualTo(GatehouseConfig.VipDriverKind.NETLINK);
        assertThat(ha.failback()).isEqualTo(Duration.ofSeconds(30));
        assertThat(ha.settle()).isEqualTo(Duration.ofSeconds(2));
        assertThat(ha.vips()).containsExactly(
                new GatehouseConfig.VipConfig("198.18.0.100", 24, "ens5", null, null),
                new GatehouseConfig.VipConfig("198.18.0.101", 32, "eth1", "lb2", null));
        assertThat(c.cluster().membership().failureTimeout()).isEqualTo(Duration.ofMillis(600));
        assertThat(ConfigLoader.parse("t", MEMBERSHIP + "ha: {failback: 'off', vips: ['198.18.0.100/24']}}}")
                .cluster().membership().ha().failback()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ha: {vips: []}                                  | cluster.membership.ha.vips: '[]' (expected: at least one VIP",
        "ha: {vips: ['198.18.0.300/24']}                 | cluster.membership.ha.vips[0].address: '198.18.0.300/24' (expected: an IPv4 address with prefix",
        "ha: {vips: ['198.18.0.1/33']}                   | prefix 33 (expected: 1..32)",
        "ha: {vips: ['vip.example.com']}                 | not an IPv4 address",
        "ha: {vips: ['198.18.0.1/24', '198.18.0.1/32']}  | cluster.membership.ha.vips[1].address: '198.18.0.1/32' (expected: each VIP once",
        "ha: {driver: vrrp, vips: ['198.18.0.1']}        | cluster.membership.ha.driver: 'vrrp' (expected: one of [netlink, ec2, none])",
        "ha: {vips: [{address: 198.18.0.1, elasticIp: eipalloc-0123456789abcdef0}]} | cluster.membership.ha.vips[0].elasticIp: 'eipalloc-0123456789abcdef0' (expected: only with driver: ec2)",
        "ha: {driver: ec2, vips: [{address: 198.18.0.1, elasticIp: eip-1}]} | cluster.membership.ha.vips[0].elasticIp: 'eip-1' (expected: an allocation id",
        "ha: {driver: ec2, ec2: {region: Mars}, vips: ['198.18.0.1']} | cluster.membership.ha.ec2",
        "ha: {driver: ec2, ec2: {mode: floating}, vips: ['198.18.0.1']} | cluster.membership.ha.ec2.mode: 'floating' (expected: secondary-ip",
        "ha: {driver: ec2, ec2: {mode: elastic-ip}, vips: ['203.0.113.25']} | cluster.membership.ha.vips[0].elasticIp: missing (expected: an allocation id for every VIP with ec2.mode elastic-ip",
        "ha: {vips: ['198.18.0.1'], gateway: router}     | cluster.membership.ha.gateway: 'router' (expected: an IPv4 address",
        "ha: {vips: ['198.18.0.1'], settle: soon}        | cluster.membership.ha.settle: 'soon'",
        "ha: {vips: ['198.18.0.1'], vip: x}              | cluster.membership.ha.vip: 'x' (expected: one of",
        "failureDetection: {heartbeat: 100ms, timeout: 200ms} | cluster.membership.failureDetection.timeout: '200ms' (expected: at least 3 heartbeats",
    })
    void refusesBadHaSettingsNamingPathValueAndExpectation(String membership, String expected) {
        assertThatThrownBy(() -> ConfigLoader.parse("t", MEMBERSHIP + membership + "}}"))
                .isInstanceOfSatisfying(ConfigException.class,
                        e -> assertThat(e.problems()).anySatisfy(p -> assertThat(p.toString()).contains(expected)));
    }

    @Test
    void readsTheEc2ElasticIpMode() throws Exception {
        var ha = ConfigLoader.parse("t", MEMBERSHIP + "ha: {driver: ec2, ec2: {mode: elastic-ip, region: eu-west-1},"
                + " vips: [{address: 203.0.113.25, elasticIp: eipalloc-0123456789abcdef0}]}}}").cluster().membership().ha();
        assertThat(ha.ec2().settings().mode()).isEqualTo(dev.gatehouse.cluster.vip.driver.Ec2Settings.Mode.ELASTIC_IP);
        assertThat(ConfigLoader.parse("t", MEMBERSHIP + "ha: {driver: ec2, vips: ['198.18.0.1']}}}").cluster()
                .membership().ha().ec2().settings().mode())
                .isEqualTo(dev.gatehouse.cluster.vip.driver.Ec2Settings.Mode.SECONDARY_IP);
    }

    @Test
    void readsBackendNameserversWithDefaultPortAndDefaultsToTheSystemResolver() throws Exception {
        assertThat(ConfigLoader.parse("t", "").dns()).isEqualTo(dev.gatehouse.tls.backend.DnsSettings.system());
        var dns = ConfigLoader.parse("t", "dns: {servers: ['10.0.0.2', '127.0.0.1:5353', '[fd00::53]:53', 'fd00::54'],"
                + " queryTimeout: 2s, maxTtl: 5m, negativeTtl: 1s}").dns();
        assertThat(dns.servers()).containsExactly(new java.net.InetSocketAddress("10.0.0.2", 53),
                new java.net.InetSocketAddress("127.0.0.1", 5353), new java.net.InetSocketAddress("fd00::53", 53),
                new java.net.InetSocketAddress("fd00::54", 53));
        assertThat(dns.queryTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(dns.maxTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(dns.negativeTtl()).isEqualTo(Duration.ofSeconds(1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "listeners: {https: '1.2.3:443'}                        | listeners.https: '1.2.3:443' (expected: host:port",
        "listeners: {https: 'example.com:443'}                  | listeners.https",
        "listeners: {ioThreads: -1}                             | listeners.ioThreads: '-1' (expected: an integer in 0..1024)",
        "listeners: {proxyProtocol: {from: ['10.0.0.0/33']}}    | listeners.proxyProtocol.from[0]: '10.0.0.0/33' (expected: an IP address or network",
        "listeners: {proxyProtocol: {from: [nlb.internal]}}     | listeners.proxyProtocol.from[0]: 'nlb.internal' (expected: an IP address or network",
        "listeners: {proxyProtocol: {from: []}}                 | listeners.proxyProtocol.from: '[]' (expected: the networks of the load balancers",
        "listeners: {proxyProtocol: {timeout: 5s}}              | listeners.proxyProtocol.from: missing (expected: the networks of the load balancers",
        "listeners: {proxyProtocol: {from: 10.0.0.0/8}}         | listeners.proxyProtocol.from: '10.0.0.0/8' (expected: a list)",
        "listeners: {proxyProtocol: {from: [10.0.0.0/8], timeout: 0s}} | listeners.proxyProtocol.timeout: '0s' (expected: >= 100ms)",
        "listeners: {proxyProtocol: {from: [10.0.0.0/8], timeout: 2m}} | listeners.proxyProtocol.timeout: '2m' (expected: <= 1m)",
        "listeners: {proxyProtocol: {from: [10.0.0.0/8], https: false, http: false}} | listeners.proxyProtocol: '{\"from\":[\"10.0.0.0/8\"],\"https\":false,\"http\":false}' (expected: https: true or http: true",
        "listeners: {proxyProtocol: {from: [10.0.0.0/8], version: 2}} | listeners.proxyProtocol.version: '2' (expected: one of [from, http, https, timeout] (unknown field)",
        "listeners: {proxyProtocol: v2}                         | listeners.proxyProtocol: 'v2' (expected: a mapping)",
        "listeners: {https: '127.0.0.1:8443', http: '127.0.0.1:8443'} | listeners.http",
        "console: {maxUploadBytes: 12}                          | console.maxUploadBytes: '12' (expected: 4KiB..64MiB)",
        "console: {workerThreads: 0}                            | console.workerThreads: '0' (expected: an integer in 1..64)",
        "console: {maxQueuedRequests: 0}                        | console.maxQueuedRequests: '0' (expected: an integer in 1..100000)",
        "console: {authFailureLimit: 0}                         | console.authFailureLimit: '0' (expected: an integer in 1..100000)",
        "console: {authFailureWindow: 500ms}                    | console.authFailureWindow: '500ms' (expected: 1s..1h)",
        "console: {authFailureWindow: often}                    | console.authFailureWindow: 'often' (expected: a positive duration",
        "proxy: {requestTimeout: fast}                          | proxy.requestTimeout: 'fast' (expected: a positive duration",
        "proxy: {connectTimeout: 90s}                           | proxy.connectTimeout: '90s' (expected: <= proxy.requestTimeout 1m)",
        "proxy: {trustedProxies: [not-an-ip]}                   | proxy.trustedProxies[0]: 'not-an-ip' (expected: an IP address)",
        "tls: {allowedCurves: [P-192]}                          | tls.allowedCurves[0]: 'P-192'",
        "tls: {minRsaBits: 1024}                                | tls.minRsaBits: '1024' (expected: an integer in 2048..16384)",
        "bogus: 1                                               | bogus: '1' (expected: one of",
        "pools: [{name: App, servers: ['a:1']}]                 | pools[0].name: 'App'",
        "pools: [{name: app, servers: []}]                      | pools[0].servers: '[]' (expected: at least one host:port)",
        "pools: [{name: app, servers: ['h:99999']}]             | pools[0].servers[0]: 'h:99999'",
        "pools: [{name: app, servers: ['h:1'], policy: random}] | pools[0].policy: 'random' (expected: one of [round-robin, least-outstanding])",
        "pools: [{name: app, servers: ['h:1'], healthCheck: {path: x}}] | pools[0].healthCheck.path: 'x'",
        "routes: [{host: '*.com', pool: app}]                   | routes[0].host: '*.com'",
        "routes: [{host: 'a.test', pool: nope}]                 | routes[0].pool: 'nope'",
        "defaultPool: nope                                      | defaultPool: 'nope'",
        "dns: {servers: [ns1.example.com]}                      | dns.servers[0]: 'ns1.example.com' (expected: an IP address with an optional port",
        "dns: {servers: ['10.0.0.2:0']}                         | dns.servers[0]: '10.0.0.2:0' (expected: an IP address",
        "dns: {servers: 10.0.0.2}                               | dns.servers: '10.0.0.2' (expected: a list)",
        "dns: {queryTimeout: 1ms}                               | dns.queryTimeout: '1ms' (expected: >= 10ms)",
        "dns: {maxTtl: forever}                                 | dns.maxTtl: 'forever' (expected: a positive duration",
        "dns: {resolver: x}                                     | dns.resolver: 'x' (expected: one of",
        "ocsp: {leaseTtl: 5s}                                   | ocsp.leaseTtl: '5s' (expected: >= 2 x (timeout 10s + interval 5s)",
        "ocsp: {retryMin: 2h, retryMax: 1h}                     | ocsp.retryMax: '1h' (expected: >= ocsp.retryMin 2h)",
        "ocsp: {interval: 1ms}                                  | ocsp.interval: '1ms' (expected: >= 100ms)",
        "ocsp: {stapling: x}                                    | ocsp.stapling: 'x' (expected: one of",
        "'listeners: [1, 2'                                     | valid YAML",
        "acme: {directory: 'http://ca.example/dir'}             | acme.directory: 'http://ca.example/dir' (expected: an https:// URL",
        "acme: {email: nobody}                                  | acme.email: 'nobody' (expected: an e-mail address",
        "acme: {enabled: true, caFile: /nonexistent/ca.pem}     | acme.caFile: '/nonexistent/ca.pem' (expected: a readable PEM file",
        "acme: {resolvers: ['dns.example:53']}                  | acme.resolvers[0]: 'dns.example:53' (expected: ip:port of a DNS server",
        "acme: {txtLabel: 'two.labels'}                         | acme.txtLabel: 'two.labels' (expected: one DNS label",
        "acme: {target: 'not a host'}                           | acme.target: 'not a host'",
        "acme: {interval: 60s, leaseTtl: 90s}                   | acme.leaseTtl: '90s' (expected: >= 2 x acme.interval 1m",
        "acme: {onDemand: yes please}                           | acme.onDemand: 'yes please' (expected: true or false)",
        "acme: {onDemandPerHour: 0}                             | acme.onDemandPerHour: '0' (expected: an integer in 1..100000)",
        "acme: {renewBefore: soon}                              | acme.renewBefore: 'soon' (expected: a positive duration such as 500ms, 10s, 5m, 1h, 30d)",
        "acme: {bogus: 1}                                       | acme.bogus: '1' (expected: one of",
        "claims: {pendingTtl: 30s}                              | claims.pendingTtl: '30s' (expected: >= 1m)",
        "claims: {ttl: 7d}                                      | claims.ttl: '7d' (expected: one of [pendingTtl]",
        "store: {tombstoneTtl: 0s}                              | store.tombstoneTtl: '0s' (expected: >= 1h)",
        "store: {tombstoneTtl: 59m}                             | store.tombstoneTtl: '59m' (expected: >= 1h)",
        "store: {tombstoneTtl: forever}                         | store.tombstoneTtl: 'forever' (expected: a positive duration",
        "store: {tombstoneLifetime: 7d}                         | store.tombstoneLifetime: '7d' (expected: one of [tombstoneTtl]",
        "logging: {format: xml}                                 | logging.format: 'xml' (expected: one of [text, json])",
        "logging: {level: DEBUG}                                | logging.level: 'DEBUG' (expected: one of [format]",
        "metrics: {listen: 'example.com:9464'}                  | metrics.listen: 'example.com:9464' (expected: host:port with an IP address",
        "metrics: {listen: '127.0.0.1:9443'}                    | metrics.listen: '127.0.0.1:9443' (expected: an address other than console.listen",
        "metrics: {allow: ['10.0.0.0/33']}                      | metrics.allow[0]: '10.0.0.0/33' (expected: an IP address or network",
        "metrics: {allow: [prometheus.internal]}                | metrics.allow[0]: 'prometheus.internal'",
        "metrics: {token: short}                                | metrics.token: '<5 characters>' (expected: at least 16 printable ASCII",
        "metrics: {token: 0123456789abcdef0, tokenFile: /etc/t} | metrics.tokenFile: '/etc/t' (expected: either metrics.token or metrics.tokenFile, not both)",
        "metrics: {tenantLabels: -1}                            | metrics.tenantLabels: '-1' (expected: an integer in 0..10000)",
        "metrics: {enabled: maybe}                              | metrics.enabled: 'maybe' (expected: true or false)",
        "metrics: {port: 9464}                                  | metrics.port: '9464' (expected: one of",
        "accessLog: {enabled: maybe}                            | accessLog.enabled: 'maybe' (expected: true or false)",
        "accessLog: {path: 'logs/access.log'}                   | accessLog.path: 'logs/access.log' (expected: a file path such as /var/log/gatehouse/access.log, or - for stdout)",
        "accessLog: {path: '/var/log/gatehouse/'}               | accessLog.path: '/var/log/gatehouse/' (expected: a file path",
        "accessLog: {fields: [ts, referer]}                     | accessLog.fields[1]: 'referer' (expected: one of [ts, type, node,",
        "accessLog: {fields: [ts, ts]}                          | accessLog.fields[1]: 'ts' (expected: each field once)",
        "accessLog: {fields: status}                            | accessLog.fields: 'status' (expected: a list)",
        "accessLog: {sampleRefusedHandshakes: -1}               | accessLog.sampleRefusedHandshakes: '-1' (expected: an integer in 0..1000000)",
        "accessLog: {refusedHandshakesPerSecond: 0}             | accessLog.refusedHandshakesPerSecond: '0' (expected: an integer in 1..1000000)",
        "accessLog: {queueSize: 10}                             | accessLog.queueSize: '10' (expected: an integer in 64..4194304)",
        "accessLog: {query: 1}                                  | accessLog.query: '1' (expected: true or false)",
        "accessLog: {file: /tmp/a}                              | accessLog.file: '/tmp/a' (expected: one of [enabled, fields, path, query, queueSize, refusedHandshakesPerSecond, sampleRefusedHandshakes] (unknown field)",
    })
    void refusesBadValueNamingPathValueAndExpectation(String yaml, String expected) {
        assertThatThrownBy(() -> ConfigLoader.parse("test.yaml", yaml))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage()).contains(expected.trim()));
    }

    @Test
    void reportsEveryProblemAtOnce() {
        assertThatThrownBy(() -> ConfigLoader.parse("t", "listeners: {ioThreads: -1}\nproxy: {idleTimeout: 0s}\nbogus: 1"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3));
    }

    @Test
    void accessLogIsOffByDefaultAndReadsItsSection() throws Exception {
        GatehouseConfig.AccessLog off = ConfigLoader.parse("empty", "").accessLog();
        assertThat(off.enabled()).isFalse();
        assertThat(off.path()).isEqualTo("/var/log/gatehouse/access.log");
        assertThat(off.fields()).isEmpty();
        assertThat(off.query()).isFalse();
        assertThat(off.sampleRefusedHandshakes()).isEqualTo(1);
        assertThat(off.refusedHandshakesPerSecond()).isEqualTo(100);
        assertThat(off.queueSize()).isEqualTo(65_536);
        assertThat(ConfigLoader.load(Path.of("gatehouse.example.yaml")).accessLog()).isEqualTo(off);
        GatehouseConfig.AccessLog on = ConfigLoader.parse("t", "accessLog: {enabled: true, path: '-', fields: [ts, "
                + "status, tls], query: true, sampleRefusedHandshakes: 10, refusedHandshakesPerSecond: 5, queueSize: 1024}")
                .accessLog();
        assertThat(on).isEqualTo(new GatehouseConfig.AccessLog(true, "-", java.util.List.of("ts", "status", "tls"),
                true, 10, 5, 1024));
    }

    @Test
    void failbackTakesOffAndFalseAsTheReadmeShows() throws Exception {
        for (String off : List.of("off", "'off'", "Off", "OFF", "false")) {
            assertThat(ConfigLoader.parse("t", MEMBERSHIP + "ha: {failback: " + off + ", vips: ['198.18.0.100/24']}}}")
                    .cluster().membership().ha().failback()).as(off).isNull();
        }
        assertThatThrownBy(() -> ConfigLoader.parse("t", MEMBERSHIP + "ha: {failback: never, vips: ['198.18.0.1']}}}"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).extracting(Object::toString)
                        .contains("cluster.membership.ha.failback: 'never' (expected: a positive duration such as "
                                + "500ms, 10s, 5m, 1h, 30d, or off)"));
    }

    @Test
    void yaml11BooleanWordsAreTextUnlessTheFieldIsABoolean() throws Exception {
        // booleans: the YAML 1.1 words still work
        assertThat(ConfigLoader.parse("t", "listeners: {redirectHttp: off}").listeners().redirectHttp()).isFalse();
        assertThat(ConfigLoader.parse("t", "acme: {onDemand: yes}").acme().onDemand()).isTrue();
        assertThat(ConfigLoader.parse("t", "metrics: {enabled: no}").metrics().enabled()).isFalse();
        // strings keep the word as written instead of 'false'/'true'
        assertThat(ConfigLoader.parse("t", MEMBERSHIP + "ha: {interface: on, vips: ['198.18.0.1']}}}").cluster()
                .membership().ha().vips().get(0).interfaceName()).isEqualTo("on");
        assertThat(ConfigLoader.parse("t", "node: {name: no}").node().name()).isEqualTo("no");
        // a duration named with a boolean word says what it got
        assertThatThrownBy(() -> ConfigLoader.parse("t", "proxy: {idleTimeout: off}"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).extracting(Object::toString)
                        .containsExactly("proxy.idleTimeout: 'off' (expected: a positive duration such as 500ms, 10s, "
                                + "5m, 1h, 30d)"));
    }
}
