package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.cluster.vip.ManagedVip;
import dev.gatehouse.cluster.vip.driver.Ec2Driver;
import dev.gatehouse.cluster.vip.driver.Ec2Settings;
import dev.gatehouse.cluster.vip.driver.NetlinkDriver;
import dev.gatehouse.cluster.vip.driver.NoneDriver;
import dev.gatehouse.cluster.vip.driver.VipDriver;
import dev.gatehouse.cluster.vip.driver.VipDriverException;
import dev.gatehouse.cluster.vip.driver.VipSpec;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Builds the configured VIP driver and the VIP list from {@code cluster.membership.ha}. */
public final class VipDrivers {

    private VipDrivers() {
    }

    /** Opens the driver {@code ha.driver()} names. */
    public static VipDriver open(GatehouseConfig.Ha ha) throws VipDriverException {
        return switch (ha.driver()) {
            case NETLINK -> NetlinkDriver.open();
            case NONE -> new NoneDriver();
            case EC2 -> Ec2Driver.create(ec2Settings(ha.ec2()));
        };
    }

    /**
     * The ec2 driver's settings from {@code ec2}.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public static Ec2Settings ec2Settings(GatehouseConfig.Ec2 ec2) {
        return ec2.settings();
    }

    /** The VIPs in configuration order. */
    public static List<ManagedVip> vips(GatehouseConfig.Ha ha) {
        return ha.vips().stream().map(v -> new ManagedVip(spec(v), Optional.ofNullable(v.preferredOwner()))).toList();
    }

    /** The driver's view of every configured VIP. */
    public static Set<VipSpec> specs(GatehouseConfig.Ha ha) {
        Set<VipSpec> out = new LinkedHashSet<>();
        ha.vips().forEach(v -> out.add(spec(v)));
        return out;
    }

    private static VipSpec spec(GatehouseConfig.VipConfig v) {
        VipSpec s = VipSpec.parse(v.address() + "/" + v.prefixLength(), v.interfaceName());
        return v.elasticIp() == null ? s : s.withElasticIp(v.elasticIp());
    }
}
