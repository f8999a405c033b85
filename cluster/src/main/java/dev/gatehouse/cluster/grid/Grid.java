package dev.gatehouse.cluster.grid;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

/**
 * Starts the embedded Hazelcast member of a node: explicit TCP members, multicast and
 * auto-detection off, bound to (and listening on) the cluster address only, one synchronous backup of every map entry,
 * and the higher-revision merge policy on every Gatehouse map.
 */
public final class Grid {

    private Grid() {
    }

    public static HazelcastInstance start(GridSettings s) {
        return Hazelcast.newHazelcastInstance(config(s));
    }

    /** The member's configuration (tests start members of an earlier release from it, without what it added). */
    static Config config(GridSettings s) {
        Config c = new Config();
        c.setClusterName(s.clusterName());
        c.setInstanceName("gatehouse-" + s.bindHost() + "-" + s.port());
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.enabled", "false"); // the node shuts the grid down in order
        c.setProperty("hazelcast.local.localAddress", s.bindHost());
        // listen on the cluster address only: Hazelcast's default binds its port on every interface
        c.setProperty("hazelcast.socket.bind.any", "false");
        // join fast: members are listed explicitly, there is nobody to wait for
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.max.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        c.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        NetworkConfig n = c.getNetworkConfig();
        n.setPort(s.port()).setPortAutoIncrement(false);
        n.getRestApiConfig().setEnabled(false);
        JoinConfig j = n.getJoin();
        j.getMulticastConfig().setEnabled(false);
        j.getAutoDetectionConfig().setEnabled(false);
        j.getTcpIpConfig().setEnabled(true).setMembers(s.members()).setConnectionTimeoutSeconds(2);
        MapConfig maps = new MapConfig(MapNames.PREFIX + "*").setBackupCount(1).setAsyncBackupCount(0)
                .setReadBackupData(false);
        maps.getMergePolicyConfig().setPolicy(HigherRevisionMergePolicy.class.getName());
        c.addMapConfig(maps);
        GridFormats.advertise(c);
        return c;
    }
}
