package dev.gatehouse.appliance.auth;

import dev.gatehouse.appliance.core.ServiceException;

/**
 * Who is calling: a token id and its scope, {@code admin} or {@code tenant:<id>}.
 */
public record Principal(String tokenId, String scope) {

    public static final String ADMIN = "admin";
    public static final String TENANT_PREFIX = "tenant:";

    public boolean admin() {
        return ADMIN.equals(scope);
    }

    /** The tenant a tenant-scoped token belongs to, or null for admin. */
    public String tenant() {
        return scope.startsWith(TENANT_PREFIX) ? scope.substring(TENANT_PREFIX.length()) : null;
    }

    public void requireAdmin() throws ServiceException {
        if (!admin()) {
            throw ServiceException.forbidden("this operation needs an admin token; token " + tokenId + " has scope " + scope);
        }
    }

    /** Admin, or a token of exactly this tenant. */
    public void requireTenant(String tenantId) throws ServiceException {
        if (!admin() && !scope.equals(TENANT_PREFIX + tenantId)) {
            throw ServiceException.forbidden("token " + tokenId + " (scope " + scope + ") cannot act for tenant '"
                    + tenantId + "'");
        }
    }

    public boolean canSee(String tenantId) {
        return admin() || scope.equals(TENANT_PREFIX + tenantId);
    }
}
