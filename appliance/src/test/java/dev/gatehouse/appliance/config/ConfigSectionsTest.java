package dev.gatehouse.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sections bound through {@link ConfigFile} whose problems no other test named: one bad value per
 * field family (type, bound, unknown field, shape, rule across fields), each with its path, the value as
 * written and the expectation; and the defaults their records carry.
 */
class ConfigSectionsTest {

    private static final String CLUSTER = "cluster: {enabled: true, members: ['127.0.0.1:5701'], ";
    private static final String MEMBERSHIP = CLUSTER + "membership: {peers: ['127.0.0.1:7800'], secretFile: /s, ";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // node
        "node: {name: [a, b]}                                     | node.name: '[\"a\",\"b\"]' (expected: a string)",
        "node: {home: /var/lib/x}                                 | node.home: '/var/lib/x' (expected: one of [dataDir, name] (unknown field))",
        "node: lb1                                                | node: 'lb1' (expected: a mapping)",
        // listeners
        "listeners: {publicHttpsPort: 70000}                      | listeners.publicHttpsPort: '70000' (expected: an integer in 0..65535)",
        "listeners: {redirectHttp: sometimes}                     | listeners.redirectHttp: 'sometimes' (expected: true or false)",
        "listeners: {http: true}                                  | listeners.http: 'true' (expected: host:port with an IP address and a port 0-65535, or off)",
        "listeners: {monitorPath: health}                         | listeners.monitorPath: 'health' (expected: an absolute path such as /gatehouse-monitor",
        "listeners: {monitorPath: /.well-known/acme-challenge/m}  | listeners.monitorPath: '/.well-known/acme-challenge/m' (expected: an absolute path",
        "listeners: {proxyProtocol: {from: [10.0.0.0/8], https: maybe}} | listeners.proxyProtocol.https: 'maybe' (expected: true or false)",
        "listeners: {port: 443}                                   | listeners.port: '443' (expected: one of [http, https, ioThreads, monitorPath, proxyProtocol, publicHttpsPort, redirectHttp] (unknown field))",
        // pools and routes
        "pools: [lb]                                              | pools[0]: 'lb' (expected: a mapping with name and servers)",
        "pools: [{name: app, servers: ['a:1'], weight: 2}]        | pools[0].weight: '2' (expected: one of [healthCheck, name, policy, proxyProtocol, servers] (unknown field))",
        "pools: [{name: app, servers: ['a:1'], proxyProtocol: v3}] | pools[0].proxyProtocol: 'v3' (expected: off, v1 or v2)",
        "pools: [{name: app, servers: ['a:1'], proxyProtocol: true}] | pools[0].proxyProtocol: 'true' (expected: off, v1 or v2)",
        "pools: [{name: app, servers: ['a:1']}, {name: app, servers: ['b:1']}] | pools[1].name: 'app' (expected: a name not used by another pool)",
        "pools: [{name: app, servers: 'a:1'}]                     | pools[0].servers: 'a:1' (expected: a list)",
        "pools: [{name: app, servers: [{host: a}]}]               | pools[0].servers[0]: '{\"host\":\"a\"}' (expected: host:port with a port 1-65535)",
        "pools: [{name: app, servers: ['a:1'], healthCheck: {interval: 1s, timeout: 2s}}] | pools[0].healthCheck.timeout: '2s' (expected: <= interval 1s)",
        "pools: [{name: app, servers: ['a:1'], healthCheck: {rise: 0}}] | pools[0].healthCheck.rise: '0' (expected: an integer in 1..100)",
        "pools: [{name: app, servers: ['a:1'], healthCheck: {interval: often}}] | pools[0].healthCheck.interval: 'often' (expected: a positive duration",
        "pools: [{name: app, servers: ['a:1'], healthCheck: {method: HEAD}}] | pools[0].healthCheck.method: 'HEAD' (expected: one of [fall, interval, path, rise, timeout] (unknown field))",
        "pools: [{name: app, servers: ['a:1'], healthCheck: /h}]  | pools[0].healthCheck: '/h' (expected: a mapping)",
        "{pools: [{name: app, servers: ['a:1']}], routes: [{host: a.test, pool: app}, {host: A.Test, pool: app}]} | routes[1].host: 'A.Test' (expected: a host not routed by another entry)",
        "routes: [a.test]                                         | routes[0]: 'a.test' (expected: a mapping with host and pool)",
        "routes: [{host: a.test, pool: app, tls: x}]              | routes[0].tls: 'x' (expected: one of [host, pool] (unknown field))",
        // cluster and membership
        "cluster: {enabled: maybe}                                | cluster.enabled: 'maybe' (expected: true or false)",
        "cluster: {enabled: true}                                 | cluster.members: missing (expected: every member's host:port (this node included) when cluster.enabled is true)",
        "cluster: {members: [node-a.internal:5701]}               | cluster.members[0]: 'node-a.internal:5701' (expected: host:port with an IP address)",
        CLUSTER + "bind: '127.0.0.1:5702'}                        | cluster.bind: '127.0.0.1:5702' (expected: one of cluster.members [127.0.0.1:5701])",
        "cluster: {bind: '10.0.0.1'}                              | cluster.bind: '10.0.0.1' (expected: host:port with an IP address",
        "cluster: {ticketKeyRotation: daily}                      | cluster.ticketKeyRotation: 'daily' (expected: a positive duration",
        "cluster: {key: /k}                                       | cluster.key: '/k' (expected: one of [bind, enabled, keyFile, members, membership, name, previousKeyFile, ticketKeyRotation] (unknown field))",
        "cluster: {membership: {peers: ['127.0.0.1:7800'], secretFile: /s}} | cluster.membership: '{\"peers\":[\"127.0.0.1:7800\"],\"secretFile\":\"/s\"}' (expected: only with cluster.enabled: true)",
        CLUSTER + "membership: {secretFile: /s}}                  | cluster.membership.peers: missing (expected: every member's host:port, this node included)",
        CLUSTER + "membership: {peers: ['127.0.0.1:7800']}}       | cluster.membership.secretFile: missing (expected: a file of at least 16 random bytes, the same on every node)",
        MEMBERSHIP + "port: 0}}                                   | cluster.membership.port: '0' (expected: an integer in 1..65535)",
        MEMBERSHIP + "failureDetection: {verify: 0s}}}            | cluster.membership.failureDetection.verify: '0s' (expected: a positive duration",
        MEMBERSHIP + "failureDetection: {interval: 1s}}}          | cluster.membership.failureDetection.interval: '1s' (expected: one of [heartbeat, timeout, verify] (unknown field))",
        MEMBERSHIP + "ha: {vips: [[198.18.0.1]]}}}                | cluster.membership.ha.vips[0]: '[\"198.18.0.1\"]' (expected: an IPv4 address with prefix",
        MEMBERSHIP + "ha: {vips: ['198.18.0.1'], interfaces: [eth0]}}} | cluster.membership.ha.interfaces: '[\"eth0\"]' (expected: one of [driver, ec2, failback, gateway, handover, interface, settle, vips] (unknown field))",
        MEMBERSHIP + "ha: {vips: [{address: 198.18.0.1, iface: eth1}]}}} | cluster.membership.ha.vips[0].iface: 'eth1' (expected: one of [address, elasticIp, interface, preferredOwner] (unknown field))",
        MEMBERSHIP + "ha: {vips: ['198.18.0.1'], ec2: {region: eu-west-1}}}} | cluster.membership.ha.ec2: '{\"region\":\"eu-west-1\"}' (expected: only with driver: ec2)",
        MEMBERSHIP + "ha: {driver: ec2, vips: ['198.18.0.1'], ec2: {callTimeout: 0s}}}} | cluster.membership.ha.ec2.callTimeout: '0s' (expected: a positive duration",
        // acme, timings across fields
        "acme: {dnsRetry: 2h, dnsRetryMax: 1h}                    | acme.dnsRetryMax: '1h' (expected: >= acme.dnsRetry 2h)",
        "acme: {orderRetry: 12h}                                  | acme.orderRetryMax: missing (expected: >= acme.orderRetry 12h)",
        "acme: {timeout: 5m}                                      | acme.leaseTtl: missing (expected: >= acme.timeout 5m",
        "acme: {dnsAttempts: 0}                                   | acme.dnsAttempts: '0' (expected: an integer in 1..1000)",
        "acme: {resolvers: '127.0.0.53:53'}                       | acme.resolvers: '127.0.0.53:53' (expected: a list)",
        "acme: {dns01: [x]}                                       | acme.dns01: '[\"x\"]' (expected: a mapping)",
        // metrics, events, policy, ocsp
        "metrics: {hostLabels: 20000}                             | metrics.hostLabels: '20000' (expected: an integer in 0..10000)",
        "metrics: {listen: '0.0.0.0:443'}                         | metrics.listen: '0.0.0.0:443' (expected: an address other than listeners.https /0.0.0.0:443)",
        "metrics: {tokenFile: [a]}                                | metrics.tokenFile: '[\"a\"]' (expected: a string)",
        "events: {deliveryTimeout: 30s}                           | events.deliveryLeaseTtl: missing (expected: >= 2 x (deliveryTimeout 30s + deliveryInterval 1s)",
        "policy: {tenants: {maxRequestsPerSecond: 0}}             | policy.tenants.maxRequestsPerSecond: '0' (expected: an integer in 1..1000000)",
        "policy: {tenants: {maxBurst: lots}}                      | policy.tenants.maxBurst: 'lots' (expected: an integer in 1..1000000)",
        "policy: {tenants: {maxIpEntries: 100001}}                | policy.tenants.maxIpEntries: '100001' (expected: an integer in 0..100000)",
        "policy: {tenants: {origin: sometimes}}                   | policy.tenants.origin: 'sometimes' (expected: true or false)",
        "policy: {tenants: {hsts: true}}                          | policy.tenants.hsts: 'true' (expected: one of [errorPages, maxBurst, maxIpEntries, maxRequestsPerSecond, metadata, origin] (unknown field))",
        "policy: {admins: {}}                                     | policy.admins: '{}' (expected: one of [tenants] (unknown field))",
        "policy: {tenants: open}                                  | policy.tenants: 'open' (expected: a mapping)",
        "ocsp: {enabled: maybe}                                   | ocsp.enabled: 'maybe' (expected: true or false)",
        "ocsp: {timeout: 50ms}                                    | ocsp.timeout: '50ms' (expected: >= 100ms)",
        "ocsp: {minRefresh: soon}                                 | ocsp.minRefresh: 'soon' (expected: a positive duration",
        "ocsp: [on]                                               | ocsp: '[\"on\"]' (expected: a mapping)",
    })
    void namesThePathTheValueAndTheExpectation(String yaml, String expected) {
        String closed = yaml.startsWith("cluster:") ? close(yaml) : yaml;
        assertThatThrownBy(() -> ConfigLoader.parse("t", closed)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).extracting(ConfigProblem::toString)
                        .anySatisfy(p -> assertThat(p).startsWith(expected.trim())));
    }

    /** The table writes a cluster case open, as it sits inside cluster and membership; close its mappings. */
    private static String close(String yaml) {
        long open = yaml.chars().filter(c -> c == '{').count() - yaml.chars().filter(c -> c == '}').count();
        return yaml + "}".repeat((int) open);
    }

    @Test
    void recordsCarryTheDefaultsOfAnAbsentSection() throws Exception {
        GatehouseConfig c = ConfigLoader.parse("empty", "");
        assertThat(c.node().dataDir()).isEqualTo(Path.of("/var/lib/gatehouse"));
        assertThat(c.node().name()).isNotBlank();
        assertThat(c.listeners().redirectHttp()).isTrue();
        assertThat(c.listeners().publicHttpsPort()).isZero();
        assertThat(c.policy().tenants()).isEqualTo(new GatehouseConfig.TenantPolicyLimits(1000, 2000, 10_000, false,
                true, true));
        assertThat(c.ocsp()).isEqualTo(new GatehouseConfig.Ocsp(true, Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofMinutes(1), false));
        assertThat(c.cluster()).isEqualTo(new GatehouseConfig.Cluster(false, "gatehouse",
                new InetSocketAddress("127.0.0.1", 5701), java.util.List.of(), Path.of("/etc/gatehouse/cluster.key"),
                null, Duration.ofHours(12), null));
        assertThat(c.acme().directory()).hasToString(AcmeSection.LETS_ENCRYPT);
        assertThat(c.acme().dnsAttempts()).isEqualTo(20);
        assertThat(c.acme().orderRetryMax()).isEqualTo(Duration.ofHours(6));
    }

    @Test
    void boundValuesReachTheValidatedRecords() throws Exception {
        GatehouseConfig c = ConfigLoader.parse("t", String.join("\n",
                "node: {name: edge-1, dataDir: /srv/gatehouse}",
                "listeners: {https: '127.0.0.1:8443', http: false, publicHttpsPort: 443, redirectHttp: no}",
                "pools: [{name: app, servers: ['a.internal:8080'], policy: least-outstanding,"
                        + " healthCheck: {path: /healthz, interval: 5s, timeout: 2s, rise: 3, fall: 4}}]",
                "routes: [{host: '*.Tenant.Example', pool: app}]",
                "policy: {tenants: {maxRequestsPerSecond: 50, maxBurst: 100, maxIpEntries: 0, origin: yes}}",
                "ocsp: {enabled: off, allowPrivateResponders: true}",
                MEMBERSHIP + "port: 7900, failureDetection: {heartbeat: 200ms, timeout: 1s},"
                        + " ha: {interface: ens5, vips: ['198.18.0.100/24', {address: 198.18.0.101, interface: eth1}]}}}"));
        assertThat(c.node()).isEqualTo(new GatehouseConfig.Node("edge-1", Path.of("/srv/gatehouse")));
        assertThat(c.listeners().http()).isNull();
        assertThat(c.listeners().redirectHttp()).isFalse();
        GatehouseConfig.Pool pool = c.pools().get(0);
        assertThat(pool.policy()).isEqualTo(dev.gatehouse.tls.backend.BackendPool.Policy.LEAST_OUTSTANDING);
        assertThat(pool.healthCheck()).isEqualTo(new dev.gatehouse.tls.backend.HealthCheckSpec("/healthz",
                Duration.ofSeconds(5), Duration.ofSeconds(2), 3, 4));
        assertThat(c.routes()).containsExactly(new GatehouseConfig.Route("*.tenant.example", "app"));
        assertThat(c.policy().tenants()).isEqualTo(new GatehouseConfig.TenantPolicyLimits(50, 100, 0, true, true,
                true));
        assertThat(c.ocsp().enabled()).isFalse();
        assertThat(c.ocsp().allowPrivateResponders()).isTrue();
        GatehouseConfig.Membership m = c.cluster().membership();
        assertThat(m.port()).isEqualTo(7900);
        assertThat(m.heartbeat()).isEqualTo(Duration.ofMillis(200));
        assertThat(m.failureTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(m.verifyTimeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(m.ha().vips()).extracting(GatehouseConfig.VipConfig::interfaceName).containsExactly("ens5", "eth1");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "                            | OFF",
        "proxyProtocol: off,         | OFF",
        "proxyProtocol: v1,          | V1",
        "proxyProtocol: V2,          | V2",
    })
    void aPoolSendsAProxyProtocolHeaderOnlyWhenAsked(String field, String expected) throws Exception {
        GatehouseConfig c = ConfigLoader.parse("t", "pools: [{name: app, " + (field == null ? "" : field)
                + " servers: ['a:1']}]");
        assertThat(c.pools().get(0).proxyProtocol())
                .isEqualTo(dev.gatehouse.tls.backend.ProxyProtocolMode.valueOf(expected));
    }

    @Test
    void everyProblemAcrossSectionsIsReportedOnce() {
        assertThatThrownBy(() -> ConfigLoader.parse("t", String.join("\n",
                "node: {name: [x]}",
                "pools: [{name: app, servers: [], healthCheck: {rise: 0}}]",
                "policy: {tenants: {maxBurst: 0}}",
                "ocsp: {bogus: 1}")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).extracting(
                        ConfigProblem::path).containsExactlyInAnyOrder("node.name", "pools[0].servers",
                        "pools[0].healthCheck.rise", "policy.tenants.maxBurst", "ocsp.bogus"));
    }

    @Test
    void problemsComeSectionBySectionInTheOrderOfTheFile() {
        // found in another order: unknown fields first, then types, then the sections' own rules
        assertThatThrownBy(() -> ConfigLoader.parse("t", "ocsp: {bogus: 1}\npools: [{name: App, servers: ['a:1']}]\n"
                + "node: {name: [x]}"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).extracting(
                        ConfigProblem::path).containsExactly("ocsp.bogus", "pools[0].name", "node.name"));
    }
}
