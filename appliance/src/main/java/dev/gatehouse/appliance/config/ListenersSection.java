package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Checks {@code listeners:} and {@code console:} once bound: the listeners must not share an address
 * (port 0, "any free port", aside), and the monitor path must stay out of the ACME challenge path.
 */
final class ListenersSection {

    private ListenersSection() {
    }

    static GatehouseConfig.Listeners read(ConfigReader r, ConfigFile.Listeners l, JsonNode raw) {
        InetSocketAddress https = l.https();
        InetSocketAddress http = l.http();
        if (https != null && http != null && https.getPort() != 0 && https.equals(http)) {
            r.problem("listeners.http", raw.path("http"), "an address other than listeners.https " + https);
        }
        String monitor = l.monitorPath();
        if (monitor != null && (!monitor.startsWith("/") || monitor.startsWith("/.well-known/acme-challenge/"))) {
            r.problem("listeners.monitorPath", raw.path("monitorPath"),
                    "an absolute path such as /gatehouse-monitor, outside /.well-known/acme-challenge/");
        }
        return new GatehouseConfig.Listeners(https, http, l.publicHttpsPort(), l.redirectHttp(), l.ioThreads(),
                monitor, ProxyProtocolSection.read(r, l.proxyProtocol(), raw.path("proxyProtocol")));
    }

    static GatehouseConfig.Console console(ConfigReader r, GatehouseConfig.Console c, JsonNode raw,
            InetSocketAddress https) {
        if (c.maxUploadBytes() < 4096 || c.maxUploadBytes() > 64L * 1024 * 1024) {
            r.problem("console.maxUploadBytes", raw.path("maxUploadBytes"), "4KiB..64MiB");
        }
        InetSocketAddress listen = c.listen();
        if (listen != null && https != null && listen.getPort() != 0 && listen.equals(https)) {
            r.problem("console.listen", raw.path("listen"), "an address other than listeners.https " + https);
        }
        Duration window = c.authFailureWindow();
        if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofHours(1)) > 0) {
            r.problem("console.authFailureWindow", raw.path("authFailureWindow"), "1s..1h");
        }
        return c;
    }
}
