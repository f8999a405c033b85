package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.domains.DomainService;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.StoreException;

/**
 * {@code /v1/domains}: claims of DNS names by tenants (an admin assigns, a tenant claims and proves
 * with a TXT record), and the older {@code /v1/tenants/{tenant}/domains} alias kept for clients of
 * earlier releases. A claim wakes the ACME scheduler, which may be waiting for it.
 */
record DomainResource(DomainService domains, TenantService tenants, LiveViews views, Runnable wakeUp) {

    /** {@code POST /v1/domains}. */
    record Claim(String name, String tenant, Boolean verified) {
    }

    /** {@code POST /v1/tenants/{tenant}/domains}. */
    record AliasClaim(String name) {
    }

    ApiResponse claim(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        Claim b = r.body(Claim.class);
        DomainService.Claimed c = domains.claim(w, b.tenant(), b.name(), b.verified() != null && b.verified());
        wakeUp.run();
        ConsoleViews.Domain view = views.domain(c.domain());
        return c.created() ? ApiResponse.created(view) : ApiResponse.ok(view);
    }

    ApiResponse list(ApiRequest r, Principal w) throws ApiException {
        return ApiResponse.ok(Paging.page(r, w, "domains", domains.list(w), d -> d.name() + "/" + d.tenant(),
                views::domain));
    }

    ApiResponse get(ApiRequest r, Principal w) throws ServiceException {
        return ApiResponse.ok(views.domain(domains.get(w, r.param("name"), r.queryParam("tenant"))));
    }

    ApiResponse delete(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        release(r, w, r.queryParam("tenant"));
        return ApiResponse.noContent();
    }

    ApiResponse check(ApiRequest r, Principal w) throws ServiceException, StoreException {
        ApiResponse resp = ApiResponse.ok(views.domain(domains.recheck(w, r.param("name"), r.queryParam("tenant"))));
        wakeUp.run();
        return resp;
    }

    ApiResponse claimAlias(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        String name = r.body(AliasClaim.class).name();
        if (name == null) {
            throw ApiException.unprocessable("invalid-field", "name", "name: missing (expected: a DNS name)");
        }
        DomainService.Claimed c = domains.claim(w, r.param("tenant"), name, w.admin());
        wakeUp.run();
        return ApiResponse.ok(new ConsoleViews.TenantClaim(views.tenant(tenants.get(w, r.param("tenant"))),
                views.domain(c.domain())));
    }

    ApiResponse releaseAlias(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        release(r, w, r.param("tenant"));
        return ApiResponse.ok(views.tenant(tenants.get(w, r.param("tenant"))));
    }

    private void release(ApiRequest r, Principal w, String tenant) throws ApiException, ServiceException, StoreException {
        String name = r.param("name");
        Revisions.change(r, domains, () -> revision(domains.get(w, name, tenant)),
                () -> domains.delete(w, name, tenant));
    }

    private static Long revision(DomainRecord d) {
        return d.revision();
    }
}
