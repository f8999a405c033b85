package dev.gatehouse.tls.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.demo.EchoBackend;
import dev.gatehouse.tls.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Router rebuilds against real backends: what stays keeps its state, what is gone is dropped. */
class BackendsTest {

    /** One check at once, then hourly: nothing but the test changes a server's state meanwhile. */
    private static final HealthCheckSpec CHECK = new HealthCheckSpec("/healthz", Duration.ofHours(1),
            Duration.ofSeconds(2), 1, 1);

    private final Transport transport = Transport.best();
    private EventLoopGroup group;
    private EventLoop loop;
    private EchoBackend a;
    private EchoBackend b;
    private Backends backends;

    @BeforeEach
    void start() throws Exception {
        group = transport.newGroup(1, "backends-test");
        loop = group.next();
        a = EchoBackend.start("a", "127.0.0.1", 0);
        b = EchoBackend.start("b", "127.0.0.1", 0);
        backends = new Backends(transport, DnsSettings.system(), 2000, 60_000, 8192, 16);
        backends.start(group);
    }

    @AfterEach
    void stop() {
        backends.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        a.close();
        b.close();
    }

    private BackendServer server(RouterCarryOver carry, String pool, EchoBackend e) {
        return carry.server(pool, "127.0.0.1", e.port());
    }

    private BackendPool pool(RouterCarryOver carry, String name, HealthCheckSpec check, BackendServer... servers) {
        return carry.pool(name, List.of(servers), BackendPool.Policy.ROUND_ROBIN, check, Duration.ofSeconds(5));
    }

    private Channel pooledConnection(BackendServer s) throws Exception {
        BackendConnector.Lease lease = loop.submit(() -> backends.connector().acquire(s, loop)).get()
                .get(5, TimeUnit.SECONDS);
        loop.submit(() -> backends.connector().release(s, lease.channel())).get();
        return lease.channel();
    }

    private BackendConnector.Lease acquire(BackendServer s) throws Exception {
        return loop.submit(() -> backends.connector().acquire(s, loop)).get().get(5, TimeUnit.SECONDS);
    }

    @Test
    void serverKeepsIdentityHealthEjectionCheckAndPooledConnectionAcrossARebuild() throws Exception {
        RouterCarryOver first = RouterCarryOver.from(null);
        BackendServer app = server(first, "app", a);
        BackendServer other = server(first, "other", b);
        BackendPool appPool = pool(first, "app", CHECK, app);
        backends.setRouter(Router.builder().route("app.test", appPool)
                .route("other.test", pool(first, "other", CHECK, other)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> app.health().lastCheck() != null
                && other.health().lastCheck() != null);
        appPool.ejectAfterConnectFailure(app); // state only this object holds
        BackendServer.Health before = app.health();
        ScheduledFuture<?> appCheck = backends.healthChecker().task("app", app);
        ScheduledFuture<?> otherCheck = backends.healthChecker().task("other", other);
        Channel appIdle = pooledConnection(app);
        Channel otherIdle = pooledConnection(other);
        assertThat(app.idleConnections()).isEqualTo(1);
        assertThat(backends.connector().pooledServers()).isEqualTo(2);

        // the cluster changes routes and pools: app gains a route and a new pool appears, other is gone
        RouterCarryOver carry = RouterCarryOver.from(backends.router());
        BackendServer appAgain = server(carry, "app", a);
        BackendPool appPoolAgain = pool(carry, "app", CHECK, appAgain);
        BackendServer fresh = server(carry, "fresh", b);
        backends.setRouter(Router.builder().route("app.test", appPoolAgain).route("*.app.test", appPoolAgain)
                .defaultPool(pool(carry, "fresh", null, fresh)).build());

        assertThat(appAgain).isSameAs(app);
        assertThat(appPoolAgain).isSameAs(appPool);
        assertThat(fresh).isNotSameAs(other);
        assertThat(app.health()).isEqualTo(before);
        assertThat(app.health().ejected()).isTrue();
        assertThat(app.retired()).isFalse();
        assertThat((Object) backends.healthChecker().task("app", app)).isSameAs(appCheck);
        assertThat(appCheck.isCancelled()).isFalse();

        assertThat(other.retired()).isTrue();
        assertThat(otherCheck.isCancelled()).isTrue();
        assertThat((Object) backends.healthChecker().task("other", other)).isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> !otherIdle.isActive() && other.openConnections() == 0);
        assertThat(other.idleConnections()).isZero();
        assertThat(backends.connector().pooledServers()).isEqualTo(1);

        BackendConnector.Lease lease = acquire(app);
        assertThat(lease.reused()).isTrue();
        assertThat(lease.channel()).isSameAs(appIdle);
        assertThat(lease.channel().isActive()).isTrue();
        assertThat(app.connectionsOpened()).isEqualTo(1);
        assertThat(app.connectionsReused()).isEqualTo(1);
        lease.channel().close();
    }

    @Test
    void aChangedCheckRestartsOnlyThatTaskAndKeepsTheServersHealth() throws Exception {
        RouterCarryOver first = RouterCarryOver.from(null);
        BackendServer app = server(first, "app", a);
        BackendServer other = server(first, "other", b);
        backends.setRouter(Router.builder().route("app.test", pool(first, "app", CHECK, app))
                .route("other.test", pool(first, "other", CHECK, other)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> app.health().lastCheck() != null);
        ScheduledFuture<?> appCheck = backends.healthChecker().task("app", app);
        ScheduledFuture<?> otherCheck = backends.healthChecker().task("other", other);
        BackendServer.Health before = app.health();

        RouterCarryOver carry = RouterCarryOver.from(backends.router());
        HealthCheckSpec changed = new HealthCheckSpec("/status/200", Duration.ofHours(1), Duration.ofSeconds(2), 1, 1);
        BackendPool appPool = pool(carry, "app", changed, server(carry, "app", a));
        backends.setRouter(Router.builder().route("app.test", appPool)
                .route("other.test", pool(carry, "other", CHECK, server(carry, "other", b))).build());

        assertThat(appPool.servers()).containsExactly(app);
        assertThat(app.health().since()).isEqualTo(before.since());
        assertThat(appCheck.isCancelled()).isTrue();
        assertThat((Object) backends.healthChecker().task("app", app)).isNotNull().isNotSameAs(appCheck);
        assertThat((Object) backends.healthChecker().task("other", other)).isSameAs(otherCheck);
        assertThat(otherCheck.isCancelled()).isFalse();
    }

    @Test
    void aConnectionBusyWhenItsServerLeftIsClosedOnReleaseNotPooled() throws Exception {
        RouterCarryOver first = RouterCarryOver.from(null);
        BackendServer gone = server(first, "gone", b);
        backends.setRouter(Router.builder().defaultPool(pool(first, "gone", null, gone)).build());
        BackendConnector.Lease busy = acquire(gone);

        backends.setRouter(Router.builder().build());
        loop.submit(() -> backends.connector().release(gone, busy.channel())).get();

        await().atMost(Duration.ofSeconds(5)).until(() -> !busy.channel().isActive());
        assertThat(gone.idleConnections()).isZero();
        assertThat(backends.connector().pooledServers()).isZero();
    }

    @Test
    void anIdleConnectionKeptForOneClientClosesWhenItsServerLeaves() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket sink = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> { // holds every connection open and reads nothing
                try {
                    while (true) {
                        accepted.add(sink.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "sink-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            RouterCarryOver first = RouterCarryOver.from(null);
            BackendServer gone = first.server("pp", "127.0.0.1", sink.getLocalPort());
            backends.setRouter(Router.builder().defaultPool(pool(first, "pp", null, gone)).build());
            Channel client = new Bootstrap().group(loop).channel(transport.clientChannel())
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect("127.0.0.1", a.port()).sync().channel();
            BackendConnector.Lease kept = loop.submit(() -> backends.connector().acquire(gone, client,
                    ProxyProtocolMode.V2)).get().get(5, TimeUnit.SECONDS);
            loop.submit(() -> backends.connector().release(gone, kept.channel())).get();
            assertThat(kept.channel().isActive()).isTrue();
            assertThat(gone.idleConnections()).isEqualTo(1);
            assertThat(backends.connector().pooledServers()).isEqualTo(1);

            backends.setRouter(Router.builder().build());

            await().atMost(Duration.ofSeconds(5)).until(() -> !kept.channel().isActive());
            assertThat(client.isActive()).as("the client connection itself stays open").isTrue();
            assertThat(gone.idleConnections()).isZero();
            assertThat(backends.connector().pooledServers()).isZero();
            client.close().sync();
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void ipLiteralsNeedNoDnsAndNamesStayUnresolvedForTheAsyncResolver() {
        assertThat(new BackendServer("127.0.0.1", 80).address().isUnresolved()).isFalse();
        assertThat(new BackendServer("::1", 80).address().isUnresolved()).isFalse();
        assertThat(new BackendServer("backend.internal", 80).address().isUnresolved()).isTrue();
        assertThat(new BackendServer("backend.internal", 80).needsDns()).isTrue();
    }
}
