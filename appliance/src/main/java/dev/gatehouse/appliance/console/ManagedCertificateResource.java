package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.ManagedCertificateRecord;
import dev.gatehouse.cluster.store.StoreException;

/**
 * Certificates Gatehouse obtains by ACME for a claimed domain: {@code /v1/domains/{name}/certificate}
 * and {@code /v1/managed-certificates}. Every route answers {@code acme-disabled} (409) on a node
 * with ACME off.
 */
final class ManagedCertificateResource {

    private final AcmeServices acme;

    /** @param acme null when ACME is disabled */
    ManagedCertificateResource(AcmeServices acme) {
        this.acme = acme;
    }

    private AcmeServices acme() throws ApiException {
        if (acme == null) {
            throw AcmeServices.disabled();
        }
        return acme;
    }

    ApiResponse order(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        ApiResponse resp = new ApiResponse(202, AcmeServices.view(acme().managed().request(w, r.param("name"))),
                "application/json");
        acme.wakeUp().run();
        return resp;
    }

    ApiResponse get(ApiRequest r, Principal w) throws ApiException, ServiceException {
        return ApiResponse.ok(AcmeServices.view(acme().managed().get(w, r.param("name"))));
    }

    ApiResponse stop(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        var managed = acme().managed();
        String name = r.param("name");
        Revisions.change(r, managed, () -> managed.get(w, name).revision(), () -> managed.stop(w, name));
        return ApiResponse.noContent();
    }

    ApiResponse list(ApiRequest r, Principal w) throws ApiException {
        return ApiResponse.ok(Paging.page(r, w, "managed-certificates", acme().managed().list(w),
                (ManagedCertificateRecord m) -> m.name() + "/" + m.tenant(), AcmeServices::view));
    }
}
