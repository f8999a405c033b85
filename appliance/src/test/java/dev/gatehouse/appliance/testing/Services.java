package dev.gatehouse.appliance.testing;

import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.certs.UploadPolicy;
import dev.gatehouse.appliance.console.ConsoleApi;
import dev.gatehouse.appliance.console.EventRoutes;
import dev.gatehouse.appliance.core.ServiceContext;
import dev.gatehouse.appliance.domains.ClaimIndex;
import dev.gatehouse.appliance.domains.DnsChecker;
import dev.gatehouse.appliance.domains.DomainService;
import dev.gatehouse.appliance.events.Events;
import dev.gatehouse.appliance.events.WebhookService;
import dev.gatehouse.appliance.routing.RoutingService;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.TenantRecord;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The appliance's services over a real file store in a temporary directory, wired as a node wires
 * them, for tests that call services or {@link ConsoleApi#handle} directly. The DNS checker points
 * at a closed port: tests that need DNS proofs use a real DNS server (see {@code Pebble.Dns}).
 */
public final class Services implements AutoCloseable {

    /** Where the store, the master key and {@code audit.log} are. */
    public final Path dir;
    public final FileStore store;
    public final AuditLog audit;
    /** The store, audit log and clock of every service here. */
    public final ServiceContext context;
    public final ClaimIndex claims;
    public final TokenService tokens;
    public final DomainService domains;
    public final TenantService tenants;
    public final CertificateService certificates;
    public final RoutingService routing;

    public Services(Path dir) throws Exception {
        this(dir, Clock.systemUTC(), List.of(new InetSocketAddress("127.0.0.1", 9)));
    }

    public Services(Path dir, Clock clock, List<InetSocketAddress> resolvers) throws Exception {
        this.dir = dir;
        store = FileStore.open(dir, Sealer.of(Sealer.loadOrCreateKeyFile(dir.resolve("master.key"))));
        audit = new AuditLog(dir.resolve("audit.log"));
        claims = new ClaimIndex(store);
        context = new ServiceContext(store, audit, clock);
        tokens = new TokenService(context);
        domains = new DomainService(context, claims, new DomainService.Settings("_gatehouse-challenge", null,
                Duration.ofSeconds(1), Duration.ofSeconds(1), 3, Duration.ofDays(7)),
                new DnsChecker(resolvers, null, Duration.ofSeconds(1)));
        tenants = new TenantService(context, domains, tokens);
        certificates = new CertificateService(context, claims, UploadPolicy.defaults());
        routing = new RoutingService(store, () -> { });
    }

    /** Tenants written straight into the store (no audit, no token checks), as {@code id, name} pairs. */
    public void putTenants(String... idAndName) throws Exception {
        for (int i = 0; i < idAndName.length; i += 2) {
            store.put(RecordKinds.TENANTS, new TenantRecord(idAndName[i], idAndName[i + 1], List.of(), i / 2 + 1L, 0L));
        }
    }

    /** Tenants created through {@link TenantService} by an administrator, as {@code id, name} pairs. */
    public void createTenants(String... idAndName) throws Exception {
        Principal admin = new Principal("a", Principal.ADMIN);
        for (int i = 0; i < idAndName.length; i += 2) {
            tenants.create(admin, idAndName[i], idAndName[i + 1]);
        }
    }

    /** An event log over this store, as node {@code node1} writes it (default settings, the system clock). */
    public Events events() {
        return new Events(store, "node1", Clock.systemUTC(), Events.Settings.defaults());
    }

    /** {@code Authorization} header value of a new token for {@code role} ({@code admin}, {@code tenant:<id>}). */
    public String bearer(String role) throws Exception {
        return "Bearer " + tokens.create(role, "test").token();
    }

    /** The console API over these services with the event routes of {@code events} (webhooks on loopback refused). */
    public ConsoleApi consoleApi(Events events) {
        ConsoleApi api = new ConsoleApi(console(), who -> Map.of(), () -> true, null);
        api.events(new EventRoutes(events, new WebhookService(store, events, Clock.systemUTC())));
        return api;
    }

    public ConsoleApi.Services console() {
        return new ConsoleApi.Services(tokens, tenants, domains, certificates, routing, audit);
    }

    @Override
    public void close() throws IOException {
        audit.close();
        store.close();
    }
}
