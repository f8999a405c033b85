package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.console.ConsoleApi;
import dev.gatehouse.appliance.console.ConsoleCertificate;
import dev.gatehouse.appliance.console.ConsoleServer;
import dev.gatehouse.appliance.console.DomainPolicyResource;
import dev.gatehouse.appliance.console.EventRoutes;
import dev.gatehouse.appliance.logging.LogLevels;
import dev.gatehouse.appliance.observe.PoolHealth;
import dev.gatehouse.appliance.observe.SniExplainer;
import dev.gatehouse.appliance.policy.PolicyService;
import dev.gatehouse.appliance.routing.RoutingService;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The console API over HTTPS (the node's own certificate in {@code dataDir/console}, made on the
 * first start): the services, routing, hostname policies, events and webhooks, and the
 * observability endpoints (SNI explanation, pool health, log levels, access-log reopen, OCSP).
 * Closing stops the listener.
 */
record ConsolePart(ConsoleServer server) implements AutoCloseable {

    /** What the console reaches into: the parts started before it. */
    record Wiring(GatehouseConfig config, Path dataDir, FileStore local, ClusterPart cluster, EnginePart engine,
            ObserversPart observers, EventsPart events, ServicesPart services, AcmePart acme) {
    }

    /**
     * @param status what {@code /v1/status} shows the caller
     * @param ready  whether the node serves ({@code /readyz})
     */
    static ConsolePart start(Wiring w, Function<Principal, Map<String, Object>> status, Supplier<Boolean> ready)
            throws Exception {
        GatehouseConfig config = w.config();
        Store store = w.cluster().store();
        EnginePart engine = w.engine();
        ServicesPart s = w.services();
        ConsoleApi api = new ConsoleApi(new ConsoleApi.Services(s.tokens(), s.tenants(), s.domains(),
                s.certificates(), new RoutingService(store, engine::rebuildRouter), s.audit()), status, ready,
                w.acme().console(), new ConsoleApi.Observe(new LogLevels(),
                        new SniExplainer(config.node().name(), engine.registry(), w.local(), engine.claims(),
                                w.cluster().grid(), Duration.ofSeconds(3)),
                        pool -> PoolHealth.of(engine.edge().router(), pool)));
        if (w.observers().accessLog() != null) {
            api.accessLogReopen(w.observers().accessLog()::reopenAndWait);
        }
        api.events(new EventRoutes(w.events().events(), w.events().webhooks()));
        api.policies(new DomainPolicyResource(new PolicyService(s.context(), config.policy().tenants(),
                name -> poolExists(config, store, name), engine.policies()::sync)));
        if (engine.staples() != null) {
            api.ocsp(engine.staples()::status);
        }
        Path[] cert = ConsoleCertificate.ensure(w.dataDir(), config.node().name(),
                config.console().listen().getAddress());
        return new ConsolePart(new ConsoleServer(api, config.console())
                .start(config.console().listen(), cert[0].toFile(), cert[1].toFile()));
    }

    /** Whether a pool of that name exists: the configuration file's or one managed through the API. */
    private static boolean poolExists(GatehouseConfig config, Store store, String name) {
        return config.pools().stream().anyMatch(p -> p.name().equals(name))
                || store.pools().stream().anyMatch(p -> p.name().equals(name));
    }

    int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }
}
