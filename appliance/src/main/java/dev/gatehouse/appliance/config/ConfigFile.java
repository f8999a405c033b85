package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.gatehouse.tls.backend.BackendPool;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code gatehouse.yaml} as written: the shape {@link ConfigBinder} binds the whole file into, with every
 * field's default and bounds. A section whose validated form is the same record is bound straight into
 * {@link GatehouseConfig}'s (and carries its defaults there); the others have their record here, and their
 * section class turns it into the validated one (parsing addresses and names, rules across fields).
 */
record ConfigFile(
        GatehouseConfig.Node node,
        Listeners listeners,
        GatehouseConfig.Console console,
        GatehouseConfig.Tls tls,
        GatehouseConfig.Proxy proxy,
        List<Pool> pools,
        List<GatehouseConfig.Route> routes,
        String defaultPool,
        Cluster cluster,
        Acme acme,
        GatehouseConfig.Claims claims,
        GatehouseConfig.Store store,
        GatehouseConfig.Logging logging,
        Metrics metrics,
        GatehouseConfig.AccessLog accessLog,
        Dns dns,
        GatehouseConfig.Events events,
        GatehouseConfig.Policy policy,
        GatehouseConfig.Ocsp ocsp) {

    /** {@code listeners:}; see {@link ListenersSection}. */
    record Listeners(
            @Bind.Default("0.0.0.0:443") InetSocketAddress https,
            @Bind.Default("0.0.0.0:80") @Bind.OrOff InetSocketAddress http,
            @Bind.Range(min = 0, max = 65535) int publicHttpsPort,
            @Bind.Default("true") boolean redirectHttp,
            @Bind.Range(min = 0, max = 1024) int ioThreads,
            String monitorPath,
            @Bind.IfPresent ProxyProtocol proxyProtocol) {
    }

    /** {@code listeners.proxyProtocol:}; absent timeout: {@code ProxyProtocolSettings.DEFAULT_TIMEOUT}. */
    record ProxyProtocol(
            List<String> from,
            @Bind.AtLeast("100ms") Duration timeout,
            @Bind.Default("true") boolean https,
            @Bind.Default("true") boolean http) {
    }

    /** One entry of {@code pools:}; see {@link PoolsSection}. */
    @Bind.Expect("a mapping with name and servers")
    record Pool(
            String name,
            List<String> servers,
            @Bind.Default("round-robin") BackendPool.Policy policy,
            @Bind.IfPresent HealthCheck healthCheck,
            @Bind.Default("off") String proxyProtocol) {
    }

    /** {@code pools[i].healthCheck:}. */
    record HealthCheck(
            @Bind.Default("/") String path,
            @Bind.Default("2s") Duration interval,
            @Bind.Default("1s") Duration timeout,
            @Bind.Default("2") @Bind.Range(min = 1, max = 100) int rise,
            @Bind.Default("2") @Bind.Range(min = 1, max = 100) int fall) {
    }

    /** {@code cluster:}; see {@link ClusterSection}. */
    record Cluster(
            boolean enabled,
            @Bind.Default("gatehouse") String name,
            @Bind.Default("127.0.0.1:5701") InetSocketAddress bind,
            List<String> members,
            @Bind.Default("/etc/gatehouse/cluster.key") Path keyFile,
            Path previousKeyFile,
            @Bind.Default("12h") Duration ticketKeyRotation,
            @Bind.IfPresent Membership membership) {
    }

    /** {@code cluster.membership:} (JGroups). */
    record Membership(
            @Bind.Default("7800") @Bind.Range(min = 1, max = 65535) int port,
            List<String> peers,
            Path secretFile,
            @Bind.IfPresent Ha ha,
            FailureDetection failureDetection) {
    }

    /** {@code cluster.membership.failureDetection:} (FD_ALL3 and VERIFY_SUSPECT). */
    record FailureDetection(
            @Bind.Default("100ms") Duration heartbeat,
            @Bind.Default("600ms") Duration timeout,
            @Bind.Default("100ms") Duration verify) {
    }

    /** {@code cluster.membership.ha:}; see {@link HaSection}. A VIP without an interface takes this one's. */
    record Ha(
            @Bind.Default("netlink") GatehouseConfig.VipDriverKind driver,
            @JsonProperty("interface") @Bind.Default("eth0") String interfaceName,
            List<Vip> vips,
            @Bind.OrOff Duration failback,
            @Bind.Default("2s") Duration settle,
            @Bind.Default("300ms") Duration handover,
            String gateway,
            Ec2 ec2) {
    }

    /** One VIP: {@code 198.18.0.100/24}, or a mapping with the address and its settings. */
    @Bind.Shorthand("address")
    @Bind.Expect("an IPv4 address with prefix, e.g. 198.18.0.100/24, or a mapping with address")
    record Vip(String address, @JsonProperty("interface") String interfaceName, String preferredOwner,
            String elasticIp) {
    }

    /** {@code cluster.membership.ha.ec2:} (only with {@code driver: ec2}). */
    record Ec2(
            @Bind.Default("http://169.254.169.254") String imdsEndpoint,
            String endpoint,
            String region,
            @Bind.Default("5s") Duration callTimeout,
            @Bind.Default("secondary-ip") String mode) {
    }

    /** {@code acme:}; see {@link AcmeSection}. */
    record Acme(
            boolean enabled,
            @Bind.Default(AcmeSection.LETS_ENCRYPT) String directory,
            String email,
            Path caFile,
            List<String> resolvers,
            @Bind.Default("_gatehouse-challenge") String txtLabel,
            String target,
            Duration renewBefore,
            @Bind.Default("30s") Duration interval,
            @Bind.Default("120s") Duration leaseTtl,
            @Bind.Default("30s") Duration dnsRetry,
            @Bind.Default("1h") Duration dnsRetryMax,
            @Bind.Default("20") @Bind.Range(min = 1, max = 1000) int dnsAttempts,
            @Bind.Default("1m") Duration orderRetry,
            @Bind.Default("6h") Duration orderRetryMax,
            @Bind.Default("10") @Bind.Range(min = 1, max = 1000) int orderAttempts,
            @Bind.Default("60s") Duration timeout,
            @Bind.Default("21d") Duration expiryWarning,
            boolean onDemand,
            @Bind.Default("20") @Bind.Range(min = 1, max = 100_000) int onDemandPerHour,
            @Bind.Default("http-01") String challenge,
            @Bind.IfPresent Dns01 dns01,
            String profile,
            String fallbackDirectory,
            @Bind.Default("3") @Bind.Range(min = 1, max = 1000) int fallbackAfter) {
    }

    /** {@code acme.dns01:}; see {@link Dns01Section}. */
    record Dns01(
            String server,
            List<String> zones,
            @Bind.IfPresent Tsig tsig,
            @Bind.Default("60s") Duration propagationTimeout,
            @Bind.Default("60s") Duration ttl,
            @Bind.Default("true") boolean followCname) {
    }

    /** {@code acme.dns01.tsig:}. */
    record Tsig(String name, @Bind.Default("hmac-sha256") String algorithm, Path secretFile) {
    }

    /** {@code metrics:}; see {@link MetricsSection}. */
    record Metrics(
            @Bind.Default("true") boolean enabled,
            @Bind.Default("127.0.0.1:9464") InetSocketAddress listen,
            String token,
            Path tokenFile,
            List<String> allow,
            @Bind.Range(min = 0, max = 10_000) int tenantLabels,
            @Bind.Range(min = 0, max = 10_000) int hostLabels) {
    }

    /** {@code dns:}; an absent duration takes {@code DnsSettings.system()}'s. See {@link DnsSection}. */
    record Dns(
            List<String> servers,
            @Bind.AtLeast("10ms") Duration queryTimeout,
            @Bind.AtLeast("1s") Duration maxTtl,
            Duration negativeTtl) {
    }
}
