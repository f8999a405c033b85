package dev.gatehouse.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.appliance.testing.NodeCluster;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.NodeProcess;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.EchoBackend;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real node processes sharing one store: a policy written on one node is applied by the other
 * within 2 s of the write's answer (no reload), and a delete on the other node is undone on the first
 * as fast; checked with curl (HSTS) and openssl s_client (the TLS minimum, for one name only).
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class HostnamePolicyClusterIT {

    @TempDir
    static Path dir;
    static final List<NodeProcess> nodes = new ArrayList<>();
    static EchoBackend backend;
    static Path caFile;
    static String admin;

    @BeforeAll
    static void startTwo() throws Exception {
        Tools.require("curl");
        Tools.require("openssl");
        backend = EchoBackend.start("backend-1", "127.0.0.1", 0);
        NodeCluster cluster = NodeCluster.of(dir, "policy-", 2);
        for (int i = 0; i < 2; i++) {
            nodes.add(cluster.add(String.join("\n",
                    NodeCluster.LOOPBACK_WITH_METRICS,
                    "pools: [{name: app, servers: ['127.0.0.1:" + backend.port() + "']}]",
                    "defaultPool: app",
                    cluster.grid(i))));
        }
        admin = cluster.startFirstAloneThenTheRest();
        cluster.tenantWithDomain("acme", "*.acme.test");
        DemoPki pki = DemoPki.create("HostnamePolicyClusterIT CA");
        caFile = Files.write(dir.resolve("ca.crt"), Pem.certificates(List.of(pki.caCertificate())));
        var c = nodes.get(0).console();
        DemoPki.Issued cert = pki.issueEc("a.acme.test", "b.acme.test");
        TestNode.Reply up = c.call("POST", "/v1/certificates", admin, NodeFixtures.uploadBody("acme", cert));
        assertThat(up.status()).as(up.body()).isEqualTo(201);
        for (NodeProcess n : nodes) {
            await().atMost(Duration.ofSeconds(30)).until(() -> "200".equals(status(n, "a.acme.test")));
        }
    }

    @AfterAll
    static void stopAll() throws Exception {
        for (NodeProcess n : nodes) {
            n.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void aPolicyWrittenOnOneNodeIsLiveOnTheOtherWithinTwoSeconds() throws Exception {
        NodeProcess one = nodes.get(0);
        NodeProcess two = nodes.get(1);
        TestNode.Reply put = one.console().call("PUT", "/v1/domains/a.acme.test/policy", admin,
                "{\"minTlsVersion\": \"1.3\", \"hsts\": {\"maxAge\": 100}}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> head(two, "a.acme.test").toLowerCase().contains("strict-transport-security: max-age=100"));
        System.out.printf("policy live on the other node after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(sClient(two, "a.acme.test", "-tls1_2").exitCode()).isNotZero();
        assertThat(sClient(two, "b.acme.test", "-tls1_2").exitCode()).isZero();
        assertThat(head(two, "b.acme.test").toLowerCase()).doesNotContain("strict-transport-security");

        assertThat(two.console().call("DELETE", "/v1/domains/a.acme.test/policy", admin, null).status())
                .isEqualTo(204);
        long t1 = System.nanoTime();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> !head(one, "a.acme.test").toLowerCase().contains("strict-transport-security"));
        System.out.printf("delete live on the first node after %d ms%n", (System.nanoTime() - t1) / 1_000_000);
        assertThat(sClient(one, "a.acme.test", "-tls1_2").exitCode()).isZero();
    }

    private static List<String> curl(NodeProcess n, String host, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--http1.1", "--cacert", caFile.toString(),
                "--resolve", host + ":" + n.httpsPort + ":127.0.0.1"));
        cmd.addAll(List.of(extra));
        cmd.add("https://" + host + ":" + n.httpsPort + "/");
        return cmd;
    }

    private static String status(NodeProcess n, String host) {
        return Tools.run(curl(n, host, "-o", "/dev/null", "-w", "%{http_code}"), null, 10).stdout().trim();
    }

    private static String head(NodeProcess n, String host) {
        return Tools.run(curl(n, host, "-D", "-", "-o", "/dev/null"), null, 10).stdout();
    }

    private static Tools.Result sClient(NodeProcess n, String name, String version) {
        return Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + n.httpsPort, "-servername", name,
                version, "-CAfile", caFile.toString(), "-verify_return_error"), "Q\n".getBytes(StandardCharsets.US_ASCII),
                30);
    }
}
