package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.StoreException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * {@code /v1/certificates}: uploaded certificates and keys (PEM or PKCS#12). The listing is paged by
 * {@link CertificateService} itself (it filters by tenant, name and expiry); this class wraps its
 * id cursor in an opaque {@link Paging} cursor like every other list's.
 */
record CertificateResource(CertificateService certificates, LiveViews views) {

    /** {@code POST /v1/certificates} and {@code PUT /v1/certificates/{id}}. */
    record Upload(String tenant, String certificatePem, String privateKeyPem, String pkcs12, String password) {

        CertificateService.Upload toService() {
            return new CertificateService.Upload(tenant, certificatePem, privateKeyPem, pkcs12, password);
        }
    }

    private static final String LIST = "certificates";

    ApiResponse upload(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        return ApiResponse.created(views.certificate(certificates.upload(w, r.body(Upload.class).toService()), false));
    }

    ApiResponse list(ApiRequest r, Principal w) throws ApiException, ServiceException {
        Instant before = null;
        String expiring = r.queryParam("expiringBefore");
        if (expiring != null) {
            try {
                before = Instant.parse(expiring);
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("invalid-field", "expiringBefore", "expiringBefore: '" + expiring
                        + "' (expected: an RFC 3339 instant such as 2027-01-01T00:00:00Z)");
            }
        }
        int limit = Paging.limit(r);
        CertificateService.Page page = certificates.list(w, r.queryParam("tenant"), r.queryParam("name"), before, limit,
                Paging.after(r, w, LIST));
        return ApiResponse.ok(Paging.body(page.items().stream().map(c -> views.certificate(c, false)).toList(),
                page.next() == null ? null : Paging.cursor(w, LIST, page.next())));
    }

    ApiResponse get(ApiRequest r, Principal w) throws ServiceException {
        return ApiResponse.ok(views.certificate(certificates.get(w, r.param("id")), true));
    }

    ApiResponse replace(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        Upload b = r.body(Upload.class);
        String id = r.param("id");
        return Revisions.write(r, certificates, () -> certificates.get(w, id).revision(),
                () -> ApiResponse.ok(views.certificate(certificates.replace(w, id, b.toService()), false)));
    }

    ApiResponse delete(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        String id = r.param("id");
        Revisions.change(r, certificates, () -> certificates.get(w, id).revision(), () -> certificates.delete(w, id));
        return ApiResponse.noContent();
    }
}
