package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.TokenRecord;

/** {@code /v1/tokens} (admin): issue, list, revoke. A new token's secret is in the creation answer only. */
record TokenResource(TokenService tokens, LiveViews views) {

    /** {@code POST /v1/tokens}: {@code ttl} like {@code 90d}, or {@code expiresAt} as an RFC 3339 instant. */
    record Create(String scope, String description, String ttl, String expiresAt) {
    }

    ApiResponse create(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        Create b = r.body(Create.class);
        TokenService.Issued issued = tokens.create(w, b.scope(), b.description(), RequestBodies.duration("ttl", b.ttl()),
                RequestBodies.instant("expiresAt", b.expiresAt()));
        return ApiResponse.created(new ConsoleViews.IssuedToken(views.token(issued.record()), issued.token()))
                .withETag(issued.record().revision());
    }

    ApiResponse list(ApiRequest r, Principal w) throws ApiException, ServiceException {
        return ApiResponse.ok(Paging.page(r, w, "tokens", tokens.list(w), TokenRecord::id, views::token));
    }

    ApiResponse revoke(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        String id = r.param("id");
        Revisions.change(r, tokens, () -> activeRevision(w, id), () -> {
            if (!tokens.revoke(id)) {
                throw ApiException.notFound("active token", id);
            }
        });
        return ApiResponse.noContent();
    }

    /** The revision of token {@code id} while it is active; null once revoked or when there is none. */
    private Long activeRevision(Principal w, String id) throws ServiceException {
        return tokens.list(w).stream().filter(t -> t.id().equals(id) && !t.revoked()).map(TokenRecord::revision)
                .findFirst().orElse(null);
    }
}
