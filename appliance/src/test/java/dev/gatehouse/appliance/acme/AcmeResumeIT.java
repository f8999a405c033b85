package dev.gatehouse.appliance.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.testing.LogCapture;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.Pebble;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.ManagedCertificateRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scheduler losing its lease in the middle of an order (its node paused or died) against the
 * real Pebble: the next holder resumes the same order from the store, whether it was still pending
 * or already issued by the CA, and no second order is made. The node's own scheduler is idle here
 * (hour-long interval); the test drives a second {@link ManagedCertificates} over the node's store,
 * as the next lease holder would.
 */
class AcmeResumeIT {

    @TempDir
    static Path dir;
    static Pebble.Dns dns;
    static Pebble pebble;
    static TestNode node;
    static ManagedCertificates issuer;
    static FileStore store;
    static int pebblePort;
    static String accountId;

    @BeforeAll
    static void start() throws Exception {
        Pebble.Plan plan = Pebble.plan(dir);
        dns = plan.dns();
        String yaml = String.join("\n", "acme:", "  enabled: true",
                "  directory: '" + plan.directory() + "'", "  caFile: '" + plan.caFile() + "'",
                "  resolvers: ['" + dns.resolver() + "']", "  interval: 1h", "  leaseTtl: 2h", "  timeout: 20s",
                "  orderRetry: 1s", "  orderRetryMax: 1s", "");
        node = new TestNode(dir.resolve("node"), "resume-node", yaml);
        pebblePort = plan.port();
        pebble = Pebble.start(dir.resolve("pebble"), dns, pebblePort, node.httpPort(), 0, Map.of());
        store = node.node.store();
        GatehouseConfig.Acme cfg = ConfigLoader.parse("test", yaml).acme();
        dev.gatehouse.appliance.domains.DomainService domains = node.node.domains();
        accountId = new AcmeIssuer(store, cfg, Clock.systemUTC(), false).accountId();
        issuer = new ManagedCertificates(node.node.serviceContext(), domains, node.node.certificates(), cfg,
                "next-holder", false);
        node.call("POST", "/v1/tenants", node.adminToken(), "{\"id\":\"t\"}");
    }

    @AfterAll
    static void stop() throws Exception {
        NodeFixtures.closeAll(node, pebble, dns);
    }

    /** A verified claim and a certificate request for {@code name}, written as the API would. */
    static void requested(String name) throws Exception {
        dns.addA(name, "127.0.0.1");
        long now = System.currentTimeMillis();
        store.put(RecordKinds.DOMAINS, new DomainRecord(name, "t", "_gatehouse-challenge." + name, "v", DomainRecord.VERIFIED, null,
                List.of(), 1, now, 0, now, now, store.nextRevision(), DomainRecord.BY_DNS));
        store.put(RecordKinds.MANAGED, new ManagedCertificateRecord(name, "t", "crt_" + name.hashCode(),
                ManagedCertificateRecord.PENDING, null, null, 0, now, 0, 0, null, null, 0, 0, now,
                store.nextRevision()));
    }

    /** A lease guard that reports the lease lost at its {@code n}th check. */
    static LeaseGuard losesLeaseAtCheck(int n) {
        AtomicInteger calls = new AtomicInteger();
        return () -> {
            if (calls.incrementAndGet() == n) {
                throw new LeaseGuard.LeaseLostException();
            }
        };
    }

    /** Runs the issuer until it loses its lease at lease check {@code n}; the managed record of {@code name} as left. */
    static ManagedCertificateRecord interruptedAtCheck(int n, String name) {
        assertThatThrownBy(() -> issuer.runDue(losesLeaseAtCheck(n))).isInstanceOf(LeaseGuard.LeaseLostException.class);
        return store.record(RecordKinds.MANAGED, name).orElseThrow();
    }

    /** Runs the issuer with its lease kept throughout; the managed record of {@code name} as it then stands. */
    static ManagedCertificateRecord runToTheEnd(String name) throws Exception {
        issuer.runDue(() -> { });
        return store.record(RecordKinds.MANAGED, name).orElseThrow();
    }

    static long count(LogCapture logs, String event, String name) {
        return logs.lines().stream().filter(l -> l.contains("event=" + event + " name=" + name + " ")).count();
    }

    @Test
    void orderInterruptedBeforeValidationIsResumedNotDuplicated() throws Exception {
        String name = "pending.resume-test.com";
        requested(name);
        try (LogCapture logs = new LogCapture()) {
            // checks: 1 before the order, 2 right after it was created and stored
            ManagedCertificateRecord interrupted = interruptedAtCheck(2, name);
            assertThat(interrupted.state()).isEqualTo(ManagedCertificateRecord.ORDERING);
            assertThat(interrupted.orderUrl()).isNotNull();
            assertThat(store.record(RecordKinds.CERTIFICATES, interrupted.certificateId())).isEmpty();

            ManagedCertificateRecord done = runToTheEnd(name);
            assertThat(done.state()).as(String.valueOf(done.lastError())).isEqualTo(ManagedCertificateRecord.ISSUED);
            assertThat(store.record(RecordKinds.CERTIFICATES, done.certificateId())).get().matches(c -> c.managed());
            assertThat(count(logs, "acme_order_created", name)).isEqualTo(1);
            assertThat(count(logs, "acme_order_resumed", name)).isEqualTo(1);
        }
    }

    @Test
    void orderIssuedButNotStoredIsDownloadedNotOrderedAgain() throws Exception {
        String name = "issued.resume-test.com";
        requested(name);
        try (LogCapture logs = new LogCapture()) {
            // checks: 1 before, 2 after creation, 3 before the challenge, 4 before finalize, 5 before storing
            ManagedCertificateRecord interrupted = interruptedAtCheck(5, name);
            assertThat(store.record(RecordKinds.CERTIFICATES, interrupted.certificateId())).as("nothing half-issued is served").isEmpty();

            ManagedCertificateRecord done = runToTheEnd(name);
            assertThat(done.state()).isEqualTo(ManagedCertificateRecord.ISSUED);
            assertThat(count(logs, "acme_order_created", name)).isEqualTo(1);
            assertThat(logs.lines()).anyMatch(l -> l.contains("event=acme_order_resumed name=" + name)
                    && l.contains("status=VALID"));
        }
    }

    @Test
    void caThatForgotTheAccountGetsANewOneAndIssues() throws Exception {
        requested("before-reset.resume-test.com");
        issuer.runDue(() -> { });
        String account = store.record(RecordKinds.ACME_ACCOUNTS, accountId).orElseThrow().accountUrl();
        // Pebble keeps nothing across restarts: the stored account is unknown to the new instance
        pebble.close();
        pebble = Pebble.start(dir.resolve("pebble"), dns, pebblePort, node.httpPort(), 0, Map.of());
        String name = "after-reset.resume-test.com";
        requested(name);
        ManagedCertificateRecord first = runToTheEnd(name);
        assertThat(first.state()).isEqualTo(ManagedCertificateRecord.RETRYING);
        assertThat(first.lastError()).contains("accountDoesNotExist");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> {
            return ManagedCertificateRecord.ISSUED.equals(runToTheEnd(name).state());
        });
        assertThat(store.record(RecordKinds.ACME_ACCOUNTS, accountId).orElseThrow().accountUrl()).isNotEqualTo(account);
    }
}
