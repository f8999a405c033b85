package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Set;

/** Reads and checks the {@code ocsp:} section: OCSP stapling (fetch lease, timeout, retry back-off). */
final class OcspSection {

    private static final String AT = "ocsp";

    private OcspSection() {
    }

    static GatehouseConfig.Ocsp read(ConfigReader r, JsonNode o) {
        r.onlyKnown(AT, o, Set.of("enabled", "interval", "timeout", "leaseTtl", "retryMin", "retryMax", "minRefresh",
                "allowPrivateResponders"));
        boolean enabled = r.bool(AT, o, "enabled", true);
        Duration interval = r.duration(AT, o, "interval", Duration.ofSeconds(5), Duration.ofMillis(100));
        Duration timeout = r.duration(AT, o, "timeout", Duration.ofSeconds(10), Duration.ofMillis(100));
        Duration leaseTtl = r.duration(AT, o, "leaseTtl", Duration.ofSeconds(60), Duration.ofSeconds(1));
        Duration retryMin = r.duration(AT, o, "retryMin", Duration.ofMinutes(1), Duration.ofMillis(100));
        Duration retryMax = r.duration(AT, o, "retryMax", Duration.ofHours(1), Duration.ofMillis(100));
        Duration minRefresh = r.duration(AT, o, "minRefresh", Duration.ofMinutes(1), Duration.ofMillis(100));
        if (leaseTtl != null && timeout != null && interval != null
                && leaseTtl.compareTo(timeout.plus(interval).multipliedBy(2)) < 0) {
            r.problem("ocsp.leaseTtl", o == null ? null : o.get("leaseTtl"), ">= 2 x (timeout "
                    + ConfigReader.human(timeout) + " + interval " + ConfigReader.human(interval)
                    + ") (a fetch must end before the lease can pass to another node)");
        }
        if (retryMin != null && retryMax != null && retryMax.compareTo(retryMin) < 0) {
            r.problem("ocsp.retryMax", o == null ? null : o.get("retryMax"), ">= ocsp.retryMin "
                    + ConfigReader.human(retryMin));
        }
        boolean allowPrivate = r.bool(AT, o, "allowPrivateResponders", false);
        return new GatehouseConfig.Ocsp(enabled, interval, timeout, leaseTtl, retryMin, retryMax, minRefresh,
                allowPrivate);
    }
}
