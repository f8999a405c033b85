package dev.gatehouse.cluster.grid;

import static org.junit.jupiter.api.Assertions.assertThrows;

import com.hazelcast.core.HazelcastInstance;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The grid member listens on the cluster address it is given, not on every interface of the host. */
class GridBindTest {

    @Test
    void theMemberAcceptsOnItsClusterAddressOnly() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HazelcastInstance hz = Grid.start(new GridSettings("bind-" + UUID.randomUUID(), "127.0.0.1", port,
                List.of("127.0.0.1:" + port)));
        try {
            try (Socket ok = new Socket()) {
                ok.connect(new InetSocketAddress("127.0.0.1", port), 2000); // the cluster address: accepted
            }
            // 127.0.0.2 is this host too (all of 127/8 is loopback on Linux): a member bound to every interface
            // (Hazelcast's default) accepts there as well; one bound to 127.0.0.1 refuses
            try (Socket other = new Socket()) {
                assertThrows(ConnectException.class,
                        () -> other.connect(new InetSocketAddress("127.0.0.2", port), 2000));
            }
        } finally {
            hz.shutdown();
        }
    }
}
