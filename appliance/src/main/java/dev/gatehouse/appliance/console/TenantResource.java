package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.TenantRecord;

/** {@code /v1/tenants}: create (admin), list, show, delete (admin, {@code ?force=true} cascades). */
record TenantResource(TenantService tenants, LiveViews views) {

    /** {@code POST /v1/tenants}. */
    record Create(String id, String displayName) {
    }

    ApiResponse create(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        Create b = r.body(Create.class);
        TenantRecord t = tenants.create(w, b.id(), b.displayName());
        return ApiResponse.created(views.tenant(t)).withETag(t.revision());
    }

    ApiResponse list(ApiRequest r, Principal w) throws ApiException {
        return ApiResponse.ok(Paging.page(r, w, "tenants", tenants.list(w), TenantRecord::id, views::tenant));
    }

    ApiResponse get(ApiRequest r, Principal w) throws ServiceException {
        TenantRecord t = tenants.get(w, r.param("tenant"));
        return ApiResponse.ok(views.tenant(t)).withETag(t.revision());
    }

    ApiResponse delete(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        boolean force = r.flag("force");
        String id = r.param("tenant");
        return Revisions.write(r, tenants, () -> tenants.get(w, id).revision(),
                () -> ApiResponse.ok(tenants.delete(w, id, force, r.client()).view()));
    }
}
