package dev.gatehouse.tls.server;

import dev.gatehouse.tls.backend.DnsSettings;
import dev.gatehouse.tls.net.ProxyProtocolSettings;
import dev.gatehouse.tls.proxy.ProxySettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the data plane. Built with {@link #builder()}; {@link Builder#build()} rejects bad
 * values and bad combinations with a message naming the field, the value and what was expected.
 *
 * @param httpsAddress         where the HTTPS listener binds
 * @param httpAddress          where the port-80 listener binds (ACME challenges, redirect), or null for none
 * @param publicHttpsPort      the HTTPS port clients see, for redirects (443 on an appliance)
 * @param redirectToHttps      port 80 redirects to HTTPS (308) rather than answering 404
 * @param ioThreads            event loop threads (0 = one per core)
 * @param maxClientHelloLength largest ClientHello accepted, bytes
 * @param handshakeTimeout     a TLS handshake must complete within this
 * @param maxContexts          bound of the TLS context cache
 * @param preferNativeTls      use BoringSSL (netty-tcnative) when it loads
 * @param http2                offer h2 in ALPN
 * @param sessionTimeout       TLS session / ticket lifetime
 * @param drainTimeout         graceful shutdown waits this long for in-flight requests
 * @param proxy                reverse-proxy limits and header policy
 * @param monitorPath          a path on port 80 answered 200 with {@code X-Node: nodeName} while this
 *                             node serves (like HAProxy's monitor-uri: for external load balancers
 *                             and failover probes), or null for none
 * @param nodeName             this node's name, for {@code monitorPath}
 * @param dns                  how backend host names are resolved (asynchronously, TTL honoured)
 * @param proxyProtocol        which sources send a PROXY protocol header, on which listeners
 *                             ({@link ProxyProtocolSettings#OFF} by default)
 */
public record EdgeConfig(
        InetSocketAddress httpsAddress,
        InetSocketAddress httpAddress,
        int publicHttpsPort,
        boolean redirectToHttps,
        int ioThreads,
        int maxClientHelloLength,
        Duration handshakeTimeout,
        int maxContexts,
        boolean preferNativeTls,
        boolean http2,
        Duration sessionTimeout,
        Duration drainTimeout,
        ProxySettings proxy,
        String monitorPath,
        String nodeName,
        DnsSettings dns, ProxyProtocolSettings proxyProtocol) {

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with appliance defaults: 443/80 on all addresses. */
    public static final class Builder {
        private InetSocketAddress httpsAddress = new InetSocketAddress(443);
        private InetSocketAddress httpAddress = new InetSocketAddress(80);
        private int publicHttpsPort = -1;
        private boolean redirectToHttps = true;
        private int ioThreads;
        private int maxClientHelloLength = 16 * 1024;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private int maxContexts = 10_000;
        private boolean preferNativeTls = true;
        private boolean http2 = true;
        private Duration sessionTimeout = Duration.ofMinutes(5);
        private Duration drainTimeout = Duration.ofSeconds(10);
        private ProxySettings proxy = ProxySettings.defaults();
        private String monitorPath;
        private String nodeName = "gatehouse";
        private DnsSettings dns = DnsSettings.system();
        private ProxyProtocolSettings proxyProtocol = ProxyProtocolSettings.OFF;

        /** Accept PROXY protocol headers from these sources (and require them there). */
        public Builder proxyProtocol(ProxyProtocolSettings p) {
            this.proxyProtocol = p;
            return this;
        }

        /** Answer {@code path} on port 80 with 200 and {@code X-Node: nodeName}; null: off. */
        public Builder monitor(String path, String nodeName) {
            if (path != null && (!path.startsWith("/") || path.startsWith("/.well-known/acme-challenge/"))) {
                throw new IllegalArgumentException("monitorPath: '" + path
                        + "' (expected: an absolute path such as /gatehouse-monitor, outside the ACME challenge path)");
            }
            this.monitorPath = path;
            this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
            return this;
        }

        public Builder httpsAddress(InetSocketAddress a) {
            this.httpsAddress = a;
            return this;
        }

        public Builder httpAddress(InetSocketAddress a) {
            this.httpAddress = a;
            return this;
        }

        public Builder publicHttpsPort(int port) {
            this.publicHttpsPort = port;
            return this;
        }

        public Builder redirectToHttps(boolean on) {
            this.redirectToHttps = on;
            return this;
        }

        public Builder ioThreads(int n) {
            this.ioThreads = n;
            return this;
        }

        public Builder maxClientHelloLength(int bytes) {
            this.maxClientHelloLength = bytes;
            return this;
        }

        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = d;
            return this;
        }

        public Builder maxContexts(int n) {
            this.maxContexts = n;
            return this;
        }

        public Builder preferNativeTls(boolean on) {
            this.preferNativeTls = on;
            return this;
        }

        public Builder http2(boolean on) {
            this.http2 = on;
            return this;
        }

        public Builder sessionTimeout(Duration d) {
            this.sessionTimeout = d;
            return this;
        }

        public Builder drainTimeout(Duration d) {
            this.drainTimeout = d;
            return this;
        }

        public Builder proxy(ProxySettings p) {
            this.proxy = p;
            return this;
        }

        /** Nameservers and cache limits for backend host names; default: the system's resolv.conf. */
        public Builder dns(DnsSettings d) {
            this.dns = d;
            return this;
        }

        public EdgeConfig build() {
            Objects.requireNonNull(httpsAddress, "httpsAddress");
            Objects.requireNonNull(proxy, "proxy");
            Objects.requireNonNull(dns, "dns");
            Objects.requireNonNull(proxyProtocol, "proxyProtocol");
            if (ioThreads < 0) {
                throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 0, 0 = one per core)");
            }
            if (maxClientHelloLength < 512 || maxClientHelloLength > 0xFFFFFF) {
                throw new IllegalArgumentException("maxClientHelloLength: " + maxClientHelloLength
                        + " (expected: 512..16777215)");
            }
            if (maxContexts < 1) {
                throw new IllegalArgumentException("maxContexts: " + maxContexts + " (expected: >= 1)");
            }
            requirePositive("handshakeTimeout", handshakeTimeout);
            requirePositive("sessionTimeout", sessionTimeout);
            requirePositive("drainTimeout", drainTimeout);
            if (httpAddress != null && httpAddress.getPort() != 0 && httpAddress.getPort() == httpsAddress.getPort()
                    && httpAddress.getAddress().equals(httpsAddress.getAddress())) {
                throw new IllegalArgumentException("httpAddress: " + httpAddress
                        + " (expected: different from httpsAddress " + httpsAddress + ")");
            }
            int pub = publicHttpsPort > 0 ? publicHttpsPort : httpsAddress.getPort();
            return new EdgeConfig(httpsAddress, httpAddress, pub, redirectToHttps, ioThreads, maxClientHelloLength,
                    handshakeTimeout, maxContexts, preferNativeTls, http2, sessionTimeout, drainTimeout, proxy,
                    monitorPath, nodeName, dns, proxyProtocol);
        }

        private static void requirePositive(String field, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(field + ": " + d + " (expected: > 0)");
            }
        }
    }
}
