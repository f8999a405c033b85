package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.certs.UploadPolicy;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.core.ServiceContext;
import dev.gatehouse.appliance.domains.ClaimIndex;
import dev.gatehouse.appliance.domains.DnsChecker;
import dev.gatehouse.appliance.domains.DomainService;
import dev.gatehouse.appliance.events.Events;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The control plane's services over the store (the grid's once clustered): tokens, domains,
 * tenants and certificates, with the audit log; claim lists of earlier releases migrated and the
 * first admin token written to {@code dataDir/admin.token} when there is none. Nothing to stop:
 * every write is done when its call returns.
 *
 * @param context the store, audit log and clock the services share (hostname policies and ACME too)
 */
record ServicesPart(ServiceContext context, TokenService tokens, DomainService domains, TenantService tenants,
        CertificateService certificates) implements AutoCloseable {

    static ServicesPart start(GatehouseConfig config, Path dataDir, Store store, ClaimIndex claims, Events events)
            throws Exception {
        AuditLog audit = new AuditLog(dataDir.resolve("audit.log"));
        ServiceContext context = new ServiceContext(store, audit, Clock.systemUTC());
        TokenService tokens = new TokenService(context);
        GatehouseConfig.Acme ac = config.acme();
        DomainService domains = new DomainService(context, claims,
                new DomainService.Settings(ac.txtLabel(), ac.target(), ac.dnsRetry(), ac.dnsRetryMax(),
                        ac.dnsAttempts(), config.claims().pendingTtl()),
                new DnsChecker(ac.resolvers(), ac.target(), Duration.ofSeconds(5)));
        TenantService tenants = new TenantService(context, domains, tokens);
        int migrated = tenants.migrateClaimLists();
        if (migrated > 0) {
            audit.record(null, "domain.migrate", "domains", migrated + " claim(s) of earlier releases verified as "
                    + "migrated", null);
        }
        GatehouseConfig.Tls t = config.tls();
        CertificateService certificates = new CertificateService(context, claims,
                new UploadPolicy(t.minRsaBits(), t.allowedCurves()));
        domains.events(events);
        certificates.events(events);
        if (tokens.bootstrapAdmin(dataDir.resolve("admin.token"))) {
            audit.record(null, "token.create", "tokens/admin", "ok", null);
        }
        return new ServicesPart(context, tokens, domains, tenants, certificates);
    }

    /** The audit log of {@link #context}. */
    AuditLog audit() {
        return context.audit();
    }

    @Override
    public void close() {
        audit().close(); // each line is written and synced on its own
    }
}
