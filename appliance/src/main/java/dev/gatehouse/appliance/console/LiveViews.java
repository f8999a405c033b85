package dev.gatehouse.appliance.console;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.TenantRecord;
import dev.gatehouse.cluster.store.TokenRecord;
import java.util.List;

/**
 * The views that need a service's present knowledge (served names, claims, last use, claim
 * settings) on top of {@link ConsoleViews}' static ones; shared by the resources that show the
 * same object (a tenant appears in tenant and domain answers).
 */
final class LiveViews {

    /** Read for the certificates', domains' and tokens' present state only. */
    private final ConsoleApi.Services services;

    LiveViews(ConsoleApi.Services services) {
        this.services = services;
    }

    /** OCSP stapling state of a certificate, or null while stapling is off; set once at boot. */
    private volatile java.util.function.Function<CertificateRecord, java.util.Map<String, Object>> ocsp;

    void ocsp(java.util.function.Function<CertificateRecord, java.util.Map<String, Object>> status) {
        this.ocsp = status;
    }

    ConsoleViews.Certificate certificate(CertificateRecord c, boolean withChain) {
        var status = ocsp;
        return ConsoleViews.view(c, withChain, services.certificates().servedNames(c),
                status == null ? null : status.apply(c));
    }

    /** A tenant: {@code domains} are its verified names, {@code pendingDomains} its unproven claims. */
    ConsoleViews.Tenant tenant(TenantRecord t) {
        List<DomainRecord> claims = services.domains().index().claimsOf(t.id());
        return ConsoleViews.view(t, claims.stream().filter(DomainRecord::verified).map(DomainRecord::name).sorted().toList(),
                claims.stream().filter(d -> !d.verified()).map(DomainRecord::name).sorted().toList());
    }

    ConsoleViews.Token token(TokenRecord t) {
        return ConsoleViews.view(t, services.tokens().lastUsedAt(t.id()));
    }

    ConsoleViews.Domain domain(DomainRecord d) {
        return ConsoleViews.view(d, services.domains().settings().target(),
                services.domains().settings().pendingTtl().toMillis());
    }
}
