package dev.gatehouse.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.appliance.config.GatehouseConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node whose start fails in a late part: the error names the part, and every part started
 * before it is closed (the listeners' and the console's ports are free again, the data directory
 * is unlocked), so the same node starts at once on the same ports and directory.
 */
class NodeLifecycleIT {

    @TempDir
    Path dir;

    @Test
    void aFailedStartNamesThePartAndClosesTheStartedOnes() throws Exception {
        int https = freePort();
        int http = freePort();
        int console = freePort();
        Path missing = dir.resolve("no-such-token");

        PartStartException e = catchThrowableOfType(PartStartException.class,
                () -> Node.start(config(https, http, console, "tokenFile: '" + missing + "'")));

        assertThat(e).as("the metrics part fails: its token file is missing").isNotNull();
        assertThat(e.part()).isEqualTo("metrics");
        assertThat(e).hasMessageContaining("start failed in part metrics: metrics.tokenFile: " + missing);
        // the listeners, the console and the keys' lock were released by the parts' closes
        for (int port : new int[] {https, http, console}) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            }
        }
        DataDirLock.acquire(dir.resolve("data")).close();

        try (Node n = Node.start(config(https, http, console, "token: 'a-metrics-token-of-length'"))) {
            assertThat(n.isReady()).isTrue();
            assertThat(n.edge().httpsPort()).isEqualTo(https);
            assertThat(n.consolePort()).isEqualTo(console);
        }
    }

    private GatehouseConfig config(int https, int http, int console, String metricsToken) throws Exception {
        return ConfigLoader.parse("test", String.join("\n",
                "node: {name: lifecycle, dataDir: '" + dir.resolve("data") + "'}",
                "listeners: {https: '127.0.0.1:" + https + "', http: '127.0.0.1:" + http + "'}",
                "console: {listen: '127.0.0.1:" + console + "'}",
                "proxy: {drainTimeout: 1s}",
                "metrics: {listen: '127.0.0.1:0', " + metricsToken + "}"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
