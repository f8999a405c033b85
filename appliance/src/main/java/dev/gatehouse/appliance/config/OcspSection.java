package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;

/** Checks the {@code ocsp:} section once bound: the fetch lease against timeout and tick, the back-off's ceiling. */
final class OcspSection {

    private OcspSection() {
    }

    static GatehouseConfig.Ocsp read(ConfigReader r, GatehouseConfig.Ocsp o, JsonNode raw) {
        if (o.leaseTtl().compareTo(o.timeout().plus(o.interval()).multipliedBy(2)) < 0) {
            r.problem("ocsp.leaseTtl", raw.path("leaseTtl"), ">= 2 x (timeout " + ConfigReader.human(o.timeout())
                    + " + interval " + ConfigReader.human(o.interval())
                    + ") (a fetch must end before the lease can pass to another node)");
        }
        if (o.retryMax().compareTo(o.retryMin()) < 0) {
            r.problem("ocsp.retryMax", raw.path("retryMax"), ">= ocsp.retryMin " + ConfigReader.human(o.retryMin()));
        }
        return o;
    }
}
