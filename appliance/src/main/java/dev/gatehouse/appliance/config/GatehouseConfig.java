package dev.gatehouse.appliance.config;

import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.DnsSettings;
import dev.gatehouse.tls.backend.HealthCheckSpec;
import dev.gatehouse.tls.backend.ProxyProtocolMode;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The node's configuration file, validated. See {@code appliance/gatehouse.example.yaml} for every
 * field with its default and meaning. A record whose components carry {@code Bind} annotations is
 * bound from the file as it is (its defaults are those annotations); the others are built by their
 * section class from the as-written record in {@code ConfigFile}, where their defaults are.
 *
 * <p>Why a little over 400 lines: it is the whole schema of the file, one nested record per
 * section, so that a reader finds every setting and its documentation in one place.
 */
public record GatehouseConfig(
        Node node,
        Listeners listeners,
        Console console,
        Tls tls,
        Proxy proxy,
        List<Pool> pools,
        List<Route> routes,
        String defaultPool,
        Cluster cluster,
        Acme acme,
        Claims claims,
        Store store,
        Logging logging,
        Metrics metrics,
        AccessLog accessLog,
        DnsSettings dns,
        Events events,
        Policy policy, Ocsp ocsp) {

    /** Hostname policies ({@code policy:}): what tenant tokens may set. */
    public record Policy(TenantPolicyLimits tenants) {
    }

    /**
     * The bounds of a policy written by a tenant token ({@code policy.tenants:}).
     *
     * @param maxRequestsPerSecond highest {@code rateLimit.requestsPerSecond}
     * @param maxBurst             highest {@code rateLimit.burst}
     * @param maxIpEntries         most entries of {@code ipAllow} plus {@code ipDeny}
     * @param origin               whether {@code origin} (another pool, Host rewrite) may be set
     * @param errorPages           whether {@code errorPages} may be set
     * @param metadata             whether {@code metadata} may be set
     */
    public record TenantPolicyLimits(
            @Bind.Default("1000") @Bind.Range(min = 1, max = 1_000_000) int maxRequestsPerSecond,
            @Bind.Default("2000") @Bind.Range(min = 1, max = 1_000_000) int maxBurst,
            @Bind.Default("10000") @Bind.Range(min = 0, max = 100_000) int maxIpEntries,
            boolean origin,
            @Bind.Default("true") boolean errorPages,
            @Bind.Default("true") boolean metadata) {
    }

    /**
     * Lifecycle events and webhook delivery ({@code events:}).
     *
     * @param maxEvents        events kept (the oldest beyond are deleted)
     * @param maxAge           events older than this are deleted
     * @param deliveryInterval how often the delivery lease holder looks for due deliveries
     * @param deliveryTimeout  connect + answer time of one webhook POST
     * @param deliveryLeaseTtl how long the delivery lease lasts without being extended (a successor waits this)
     * @param retryMin         first retry delay after a failed POST (doubles per failure)
     * @param retryMax         longest retry delay
     * @param allowPrivateTargets webhooks created by tenant tokens may target loopback, link-local and private
     *                         addresses (off: refused, so that a tenant cannot probe the internal network)
     */
    public record Events(
            @Bind.Default("10000") @Bind.Range(min = 100, max = 1_000_000) int maxEvents,
            @Bind.Default("7d") @Bind.AtLeast("1m") Duration maxAge,
            @Bind.Default("1s") @Bind.AtLeast("100ms") Duration deliveryInterval,
            @Bind.Default("10s") @Bind.AtLeast("100ms") Duration deliveryTimeout,
            @Bind.Default("30s") @Bind.AtLeast("1s") Duration deliveryLeaseTtl,
            @Bind.Default("5s") @Bind.AtLeast("100ms") Duration retryMin,
            @Bind.Default("1h") @Bind.AtLeast("100ms") Duration retryMax,
            boolean allowPrivateTargets) {
    }

    /**
     * OCSP stapling ({@code ocsp:}): see {@code dev.gatehouse.appliance.ocsp}.
     *
     * @param enabled                fetch and staple responses for certificates whose leaf names a responder
     * @param interval               how often the fetch lease holder looks for due fetches
     * @param timeout                connect + answer time of one fetch
     * @param leaseTtl               how long the fetch lease lasts without being extended
     * @param retryMin               first retry delay after a failed fetch (doubles per failure)
     * @param retryMax               longest retry delay
     * @param minRefresh             shortest time between two successful fetches for one certificate
     * @param allowPrivateResponders ask responders on loopback, link-local and private addresses (off: such
     *                               a responder, named by a tenant's certificate, is not asked)
     */
    public record Ocsp(
            @Bind.Default("true") boolean enabled,
            @Bind.Default("5s") @Bind.AtLeast("100ms") Duration interval,
            @Bind.Default("10s") @Bind.AtLeast("100ms") Duration timeout,
            @Bind.Default("60s") @Bind.AtLeast("1s") Duration leaseTtl,
            @Bind.Default("1m") @Bind.AtLeast("100ms") Duration retryMin,
            @Bind.Default("1h") @Bind.AtLeast("100ms") Duration retryMax,
            @Bind.Default("1m") @Bind.AtLeast("100ms") Duration minRefresh,
            boolean allowPrivateResponders) {
    }

    /**
     * The application log ({@code logging:}).
     *
     * @param format line format on stderr (the journal): text, or JSON lines by logback's JsonEncoder
     */
    public record Logging(@Bind.Default("text") dev.gatehouse.appliance.logging.LogFormat.Kind format) {
    }

    /**
     * The Prometheus endpoint ({@code metrics:}): {@code GET /metrics} on a plain-HTTP management
     * listener.
     *
     * @param enabled      false: no listener, no registry
     * @param listen       where it listens (the management interface only)
     * @param token        bearer token a scrape must send, or null
     * @param tokenFile    file holding that token (read at start), or null
     * @param allow        client networks allowed to scrape; empty = any (that reaches the listener)
     * @param tenantLabels how many tenants get their own label value (the first seen; the rest
     *                     share {@code _other}); 0 = no tenant label at all
     * @param hostLabels   how many host buckets (the certificate name a request's Host matched: the
     *                     name, or {@code *.parent} for a wildcard) get their own {@code host} label
     *                     value on {@code gatehouse_http_requests_total}; 0 = no host label
     */
    public record Metrics(boolean enabled, InetSocketAddress listen, String token, Path tokenFile,
            List<dev.gatehouse.tls.net.Cidr> allow, int tenantLabels, int hostLabels) {

        @Override
        public String toString() {
            return "Metrics[enabled=" + enabled + ", listen=" + listen + ", token=" + (token == null ? "none" : "***")
                    + ", tokenFile=" + tokenFile + ", allow=" + allow + ", tenantLabels=" + tenantLabels + ", hostLabels=" + hostLabels + "]";
        }
    }

    /**
     * The access log ({@code accessLog:}): one JSON line per request (and per sampled refused
     * handshake), written off the event loop.
     *
     * @param enabled                    off: nothing is formatted or written
     * @param path                       the file (appended to; reopened on SIGHUP and
     *                                   {@code POST /v1/access-log/reopen}), or {@code -} for stdout
     * @param fields                     the fields each line carries, in the canonical order; empty = all
     * @param query                      keep the query string in {@code path} (off by default: it may carry secrets)
     * @param sampleRefusedHandshakes    log one refused handshake in this many (1 = every one, 0 = none)
     * @param refusedHandshakesPerSecond at most this many refused-handshake lines per second (a flood is bounded)
     * @param queueSize                  lines one event loop may hold for the writer (and at most 16 MB); when full,
     *                                   new ones are dropped and counted
     */
    public record AccessLog(
            boolean enabled,
            @Bind.Default("/var/log/gatehouse/access.log") String path,
            List<String> fields,
            boolean query,
            @Bind.Default("1") @Bind.Range(min = 0, max = 1_000_000) int sampleRefusedHandshakes,
            @Bind.Default("100") @Bind.Range(min = 1, max = 1_000_000) int refusedHandshakesPerSecond,
            @Bind.Default("65536") @Bind.Range(min = 64, max = 4_194_304) int queueSize) {
    }

    /**
     * Domain claims ({@code claims:}): how long an unproven claim lives.
     *
     * @param pendingTtl a pending (or failed) claim not proven within this after it was made is dropped
     */
    public record Claims(
            // shorter than a minute, a claim would be gone before its first DNS check
            @Bind.Default("7d") @Bind.AtLeast("1m") Duration pendingTtl) {
    }

    /**
     * The node's durable store ({@code store:}).
     *
     * @param tombstoneTtl how long a delete is remembered (on disk and in the grid); a node or a
     *                     snapshot away longer than this takes the cluster's state on join instead
     *                     of pushing records the cluster no longer has
     */
    public record Store(
            // shorter than an hour, a node restarted after maintenance would already count as away too long
            @Bind.Default("7d") @Bind.AtLeast("1h") Duration tombstoneTtl) {
    }

    /**
     * ACME issuance and domain verification ({@code acme:}). Disabled: the domain and managed
     * certificate endpoints answer {@code acme-disabled}.
     *
     * @param directory      the CA's directory URL (https)
     * @param email          account contact, or null
     * @param caFile         PEM file of the CA(s) that sign the directory's TLS certificate, or null for the JDK's
     * @param resolvers      DNS servers the domain checker asks ({@code ip:port}); empty = the system's
     * @param txtLabel       label of the verification TXT record, prepended to the claimed name
     * @param target         what a claimed name must point at: an IPv4 address (A) or a host name (CNAME), or null
     * @param renewBefore    renew this long before expiry, or null for a third of the lifetime
     * @param interval       scheduler tick (DNS checks, orders, renewals)
     * @param leaseTtl       how long the scheduler lease lasts without being extended
     * @param dnsRetry       first delay between DNS checks of a pending claim (doubles each time)
     * @param dnsRetryMax    longest delay between DNS checks
     * @param dnsAttempts    checks before a claim is marked failed
     * @param orderRetry     first delay after a failed order (doubles each time; Retry-After wins when later)
     * @param orderRetryMax  longest delay between order attempts
     * @param orderAttempts  failed attempts before a first issuance is marked failed (renewals keep retrying)
     * @param timeout        network and validation timeout of one ACME step
     * @param expiryWarning  warn (log and status) about any certificate expiring within this
     * @param onDemand       ask for a certificate at the first handshake for a verified name that has none
     * @param onDemandPerHour most on-demand requests a node makes per hour
     * @param challenge      {@code http-01} or {@code dns-01}: what proves an exact name (a wildcard needs DNS-01)
     * @param dns01          the DNS server updated for DNS-01, or null (then wildcards cannot be ordered)
     * @param profile        the ACME profile asked for in every order (draft-ietf-acme-profiles), or null
     * @param fallbackDirectory a second CA's directory, used after {@code fallbackAfter} failures in a row, or null
     * @param fallbackAfter  consecutive CA-side failures at one directory before switching to the other
     */
    public record Acme(boolean enabled, java.net.URI directory, String email, Path caFile,
            List<InetSocketAddress> resolvers, String txtLabel, String target, Duration renewBefore, Duration interval,
            Duration leaseTtl, Duration dnsRetry, Duration dnsRetryMax, int dnsAttempts, Duration orderRetry,
            Duration orderRetryMax, int orderAttempts, Duration timeout, Duration expiryWarning, boolean onDemand,
            int onDemandPerHour, String challenge, Dns01 dns01, String profile, java.net.URI fallbackDirectory,
            int fallbackAfter) {

        /** Whether exact names are proven by DNS-01 too (else HTTP-01). */
        public boolean dnsForExactNames() {
            return "dns-01".equals(challenge);
        }
    }

    /**
     * DNS-01 by RFC 2136 dynamic update to the operator's authoritative server, signed with TSIG.
     * Holds the secret's path only, so that printing the configuration never prints the secret.
     *
     * @param server             the authoritative server (updates are sent and answers are checked there)
     * @param zones              the zones it serves; empty: the zone of a name is found by asking it for the SOA
     * @param tsigName           the TSIG key's name
     * @param tsigAlgorithm      {@code hmac-sha256} etc. (RFC 8945 §6)
     * @param tsigSecretFile     base64 secret, or a BIND key clause as tsig-keygen writes it
     * @param propagationTimeout how long to wait for the server to answer the new TXT record
     * @param ttl                TTL of the challenge TXT record
     * @param followCname        when {@code _acme-challenge.<name>} is a CNAME (a tenant delegating the challenge
     *                           to the operator's zone), the TXT record is written at its target
     */
    public record Dns01(InetSocketAddress server, List<String> zones, String tsigName, String tsigAlgorithm,
            Path tsigSecretFile, Duration propagationTimeout, Duration ttl, boolean followCname) {

        /** The TSIG secret, read from its file now (so a rotated file is picked up without a restart). */
        public byte[] readSecret() throws java.io.IOException {
            return Dns01Section.TsigSecret.read(tsigSecretFile);
        }
    }

    /**
     * Membership in a cluster sharing one store over Hazelcast. Disabled: a single node.
     *
     * @param keyFile         32-byte cluster key, the same on every node: seals everything in the grid
     * @param previousKeyFile the key before a rotation (still opens values), or null
     */
    public record Cluster(boolean enabled, String name, InetSocketAddress bind, List<String> members, Path keyFile,
            Path previousKeyFile, Duration ticketKeyRotation, Membership membership) {
    }

    /**
     * JGroups membership (the view that will decide VIP ownership), encrypted and authenticated with
     * a secret only cluster members hold. Null when not configured.
     *
     * @param port       JGroups TCP port on the cluster bind address (7800 on an appliance)
     * @param peers      every member's {@code host:port}, this node included
     * @param secretFile at least 16 random bytes, the same on every node
     * @param ha         the VIPs, or null
     * @param heartbeat  FD_ALL3 heartbeat interval
     * @param failureTimeout a member silent this long is suspected (FD_ALL3)
     * @param verifyTimeout  a suspect that does not answer a direct ping within this is excluded
     */
    public record Membership(int port, List<String> peers, Path secretFile, Ha ha, Duration heartbeat,
            Duration failureTimeout, Duration verifyTimeout) {
    }

    /** How VIPs are moved between hosts. */
    public enum VipDriverKind { NETLINK, EC2, NONE }

    /**
     * Virtual IPs kept by the cluster (decided by the JGroups view). Null when not configured.
     *
     * @param driver   how a VIP is claimed on this host
     * @param vips     the VIPs, in the same order on every node
     * @param failback hold-down before a VIP returns to its preferred owner; null: no failback
     * @param settle   how long checks must pass before this node takes VIPs
     * @param handover how long a handed-over VIP stays here after the new owner claimed it
     * @param gateway  an address whose loss makes this node give its VIPs away; null: no check
     * @param ec2      settings of the ec2 driver (null unless driver is ec2)
     */
    public record Ha(VipDriverKind driver, List<VipConfig> vips, Duration failback, Duration settle,
            Duration handover, String gateway, Ec2 ec2) {
    }

    /** One VIP: address with prefix, interface, optional preferred owner and Elastic IP allocation. */
    public record VipConfig(String address, int prefixLength, String interfaceName, String preferredOwner,
            String elasticIp) {
    }

    /**
     * The ec2 driver: where the instance metadata service and the EC2 API are (defaults: the
     * instance's own; overrides for tests and VPC endpoints) and the region (default: from metadata).
     *
     * @param elasticIpOnly {@code mode: elastic-ip}: a VIP is an Elastic IP re-associated to the survivor's
     *                      primary private address (nodes in different subnets and zones); default
     *                      {@code secondary-ip}: a secondary private IP moved between ENIs of one subnet
     */
    public record Ec2(String imdsEndpoint, String endpoint, String region, Duration callTimeout, boolean elasticIpOnly) {

        /** The driver's settings; {@link IllegalArgumentException} naming the field when one is not valid. */
        public dev.gatehouse.cluster.vip.driver.Ec2Settings settings() {
            dev.gatehouse.cluster.vip.driver.Ec2Settings.Builder b = dev.gatehouse.cluster.vip.driver.Ec2Settings
                    .builder().imdsEndpoint(uri("imdsEndpoint", imdsEndpoint)).region(region).callTimeout(callTimeout)
                    .mode(elasticIpOnly ? dev.gatehouse.cluster.vip.driver.Ec2Settings.Mode.ELASTIC_IP
                            : dev.gatehouse.cluster.vip.driver.Ec2Settings.Mode.SECONDARY_IP);
            if (endpoint != null) {
                b.ec2Endpoint(uri("endpoint", endpoint));
            }
            return b.build();
        }

        private static java.net.URI uri(String field, String text) {
            try {
                return new java.net.URI(text);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException(field + ": '" + text + "' is not a URL (" + e.getReason() + ")");
            }
        }
    }

    /** Identity and state of this node ({@code node:}); an absent name is the host's name. */
    public record Node(String name, @Bind.Default("/var/lib/gatehouse") Path dataDir) {
    }

    /**
     * Data-plane listeners. {@code http} is null when port 80 is off.
     *
     * @param proxyProtocol the load balancers trusted to send a PROXY protocol header, and on which
     *                      listeners ({@code listeners.proxyProtocol}; off when absent)
     */
    public record Listeners(InetSocketAddress https, InetSocketAddress http, int publicHttpsPort,
            boolean redirectHttp, int ioThreads, String monitorPath,
            dev.gatehouse.tls.net.ProxyProtocolSettings proxyProtocol) {
    }

    /**
     * The console API listener and its limits.
     *
     * @param maxUploadBytes     largest request body read (413 beyond); only authenticated requests get their body read
     * @param workerThreads      threads running the handlers (they fsync, so never on the event loop)
     * @param maxQueuedRequests  requests waiting for a worker before new ones get 503 + Retry-After
     * @param authFailureLimit   failed authentications one client address may make in a burst (then 429)
     * @param authFailureWindow  the time in which a client's full burst of failures is forgiven again
     */
    public record Console(
            @Bind.Default("127.0.0.1:9443") InetSocketAddress listen,
            @Bind.Default("1MiB") @Bind.Size int maxUploadBytes,
            @Bind.Default("4") @Bind.Range(min = 1, max = 64) int workerThreads,
            @Bind.Default("256") @Bind.Range(min = 1, max = 100_000) int maxQueuedRequests,
            @Bind.Default("10") @Bind.Range(min = 1, max = 100_000) int authFailureLimit,
            @Bind.Default("10s") Duration authFailureWindow) {
    }

    /** TLS settings and the upload policy. */
    public record Tls(
            @Bind.Default("true") boolean preferNative,
            @Bind.Default("true") boolean http2,
            @Bind.Default("10000") @Bind.Range(min = 1, max = 10_000_000) int maxContexts,
            @Bind.Default("10s") Duration handshakeTimeout,
            @Bind.Default("16KiB") @Bind.Size int maxClientHelloBytes,
            @Bind.Default("5m") Duration sessionTimeout,
            String defaultCertificate,
            List<Path> certificateDirs,
            @Bind.Default("2048") @Bind.Range(min = 2048, max = 16384) int minRsaBits,
            Set<String> allowedCurves) {
    }

    /** Reverse-proxy limits. */
    public record Proxy(
            @Bind.Default("16KiB") @Bind.Size int maxHeaderBytes,
            @Bind.Default("64MiB") @Bind.Size long maxBodyBytes,
            @Bind.Default("5s") Duration connectTimeout,
            @Bind.Default("60s") Duration requestTimeout,
            @Bind.Default("60s") Duration idleTimeout,
            @Bind.Default("10s") Duration headerTimeout,
            Set<String> trustedProxies,
            @Bind.Default("10s") Duration drainTimeout) {
    }

    /**
     * A backend pool.
     *
     * @param proxyProtocol the PROXY protocol header each backend connection starts with (off: none)
     */
    public record Pool(String name, List<String> servers, BackendPool.Policy policy, HealthCheckSpec healthCheck,
            ProxyProtocolMode proxyProtocol) {
    }

    /** Host pattern → pool ({@code routes:}). */
    @Bind.Expect("a mapping with host and pool")
    public record Route(String host, String pool) {
    }
}
