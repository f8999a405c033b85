package dev.gatehouse.appliance.cli;

import dev.gatehouse.appliance.config.ConfigException;
import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.appliance.config.ConfigProblem;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.node.VipDrivers;
import dev.gatehouse.cluster.vip.VipManager;
import dev.gatehouse.cluster.vip.driver.VipDriver;
import dev.gatehouse.cluster.vip.driver.VipDriverException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gatehouse release-vips --config FILE}: removes every configured VIP from this host. The
 * systemd unit runs it as {@code ExecStopPost}, which also runs after a crash (kill -9, OOM), so
 * a dead node never keeps answering ARP for a VIP the survivor has taken.
 */
@Command(name = "release-vips", mixinStandardHelpOptions = true,
        description = "Remove every configured VIP from this host (run by the unit after the node stops or crashes).")
public final class ReleaseVipsCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "the node's configuration file")
    Path file;

    @Override
    public Integer call() throws Exception {
        GatehouseConfig config;
        try {
            config = ConfigLoader.load(file);
        } catch (ConfigException e) {
            System.err.println(file + ": " + e.problems().size() + " problem(s)");
            for (ConfigProblem p : e.problems()) {
                System.err.println("  " + p);
            }
            return 1;
        }
        GatehouseConfig.Membership m = config.cluster().membership();
        if (m == null || m.ha() == null) {
            System.out.println("no VIPs configured (cluster.membership.ha): nothing to release");
            return 0;
        }
        try (VipDriver driver = VipDrivers.open(m.ha())) {
            List<String> removed = VipManager.releaseLeftovers(driver, VipDrivers.specs(m.ha()));
            System.out.println(removed.isEmpty() ? "no configured VIP was present" : "released " + String.join(" ", removed));
            return 0;
        } catch (VipDriverException e) {
            System.err.println("cannot release VIPs: " + e.getMessage());
            return 1;
        }
    }
}
