package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.cluster.vip.driver.VipSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks {@code cluster.membership.ha:} once bound: the VIPs (each an IPv4 address with prefix, listed
 * once), the Elastic IPs and {@code ec2:} settings only with the ec2 driver, and the gateway to watch.
 */
final class HaSection {

    private static final String AT = "cluster.membership.ha";
    private static final String VIP = "an IPv4 address with prefix, e.g. 198.18.0.100/24";

    private HaSection() {
    }

    static GatehouseConfig.Ha read(ConfigReader r, ConfigFile.Ha ha, JsonNode raw) {
        if (ha == null) {
            return null;
        }
        boolean onEc2 = ha.driver() == GatehouseConfig.VipDriverKind.EC2;
        List<GatehouseConfig.VipConfig> vips = vips(r, ha, raw.path("vips"), onEc2);
        if (vips.isEmpty()) {
            r.problem(AT + ".vips", raw.path("vips"), "at least one VIP, e.g. [198.18.0.100/24]");
        }
        if (ha.gateway() != null && !ha.gateway().matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            r.problem(AT + ".gateway", raw.path("gateway"),
                    "an IPv4 address (the router this node must reach to keep VIPs)");
        }
        JsonNode e = raw.path("ec2").isObject() ? raw.path("ec2") : null;
        if (e != null && !onEc2) {
            r.problem(AT + ".ec2", e, "only with driver: ec2");
        }
        return new GatehouseConfig.Ha(ha.driver(), List.copyOf(vips), ha.failback(), ha.settle(), ha.handover(),
                ha.gateway(), onEc2 ? ec2(r, ha.ec2(), e, vips) : null);
    }

    private static List<GatehouseConfig.VipConfig> vips(ConfigReader r, ConfigFile.Ha ha, JsonNode raw,
            boolean onEc2) {
        List<GatehouseConfig.VipConfig> vips = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<ConfigFile.Vip> list = ConfigReader.orEmpty(ha.vips());
        for (int i = 0; i < list.size(); i++) {
            ConfigFile.Vip v = list.get(i);
            if (v == null) {
                continue; // not a mapping: said by the binder
            }
            String at = AT + ".vips[" + i + "]";
            JsonNode written = raw.path(i).isObject() ? raw.path(i).path("address") : raw.path(i);
            if (v.address() == null) {
                r.problem(at + ".address", null, VIP);
                continue;
            }
            String iface = v.interfaceName() == null ? ha.interfaceName() : v.interfaceName();
            VipSpec parsed;
            try {
                parsed = VipSpec.parse(v.address(), iface);
            } catch (IllegalArgumentException bad) {
                r.problem(at + ".address", written, VIP + " (" + bad.getMessage() + ")");
                continue;
            }
            if (!seen.add(parsed.name())) {
                r.problem(at + ".address", written, "each VIP once (" + parsed.name() + " is listed twice)");
            }
            String eip = v.elasticIp();
            if (eip != null && !onEc2) {
                r.problem(at + ".elasticIp", raw.path(i).path("elasticIp"), "only with driver: ec2");
            }
            if (eip != null && !eip.matches("eipalloc-[0-9a-f]{8,17}")) {
                r.problem(at + ".elasticIp", raw.path(i).path("elasticIp"),
                        "an allocation id such as eipalloc-0123456789abcdef0");
            }
            vips.add(new GatehouseConfig.VipConfig(parsed.name(), parsed.prefixLength(), iface, v.preferredOwner(),
                    eip));
        }
        return vips;
    }

    /** The ec2 driver's settings; {@code e} is the section as written, or null when absent. */
    private static GatehouseConfig.Ec2 ec2(ConfigReader r, ConfigFile.Ec2 c, JsonNode e,
            List<GatehouseConfig.VipConfig> vips) {
        String mode = c.mode();
        if (!"secondary-ip".equals(mode) && !"elastic-ip".equals(mode)) {
            r.problem(AT + ".ec2.mode", e == null ? null : e.path("mode"), "secondary-ip (one subnet: a private IP "
                    + "moves) or elastic-ip (nodes in different subnets or zones: only the Elastic IP moves)");
        }
        boolean elasticIpOnly = "elastic-ip".equals(mode);
        for (int i = 0; elasticIpOnly && i < vips.size(); i++) {
            if (vips.get(i).elasticIp() == null) {
                r.problem(AT + ".vips[" + i + "].elasticIp", null, "an allocation id for every VIP with "
                        + "ec2.mode elastic-ip (the VIP is the Elastic IP, its address the public one)");
            }
        }
        GatehouseConfig.Ec2 ec2 = new GatehouseConfig.Ec2(c.imdsEndpoint(), c.endpoint(), c.region(),
                c.callTimeout(), elasticIpOnly);
        try {
            ec2.settings();
        } catch (IllegalArgumentException bad) {
            r.problem(AT + ".ec2", e, "valid ec2 settings (" + bad.getMessage() + ")");
        }
        return ec2;
    }
}
