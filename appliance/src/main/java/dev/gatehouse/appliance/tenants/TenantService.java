package dev.gatehouse.appliance.tenants;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.TenantRecord;
import dev.gatehouse.tls.sni.Hostnames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Tenants and their domain claims. A name (exact or one-label wildcard) belongs to one tenant at
 * most: a tenant cannot claim {@code *.example.com} while another holds {@code a.example.com}, nor
 * the other way round. Writes are serialized so two concurrent claims cannot both win.
 */
public final class TenantService {

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private final Store store;

    public TenantService(Store store) {
        this.store = store;
    }

    public synchronized TenantRecord create(Principal who, String id, String displayName)
            throws ServiceException, StoreException {
        who.requireAdmin();
        if (id == null || !ID.matcher(id).matches()) {
            throw ServiceException.invalid("invalid-field", "id", "id: '" + id
                    + "' (expected: 1-63 lower-case letters, digits or dashes, starting with a letter or digit)");
        }
        if (store.tenant(id).isPresent()) {
            throw ServiceException.conflict("tenant-exists", "id", "tenant '" + id + "' already exists");
        }
        TenantRecord t = new TenantRecord(id, displayName == null ? id : displayName, List.of(),
                store.nextRevision(), System.currentTimeMillis());
        store.putTenant(t);
        return t;
    }

    public TenantRecord get(Principal who, String id) throws ServiceException {
        who.requireTenant(id);
        return store.tenant(id).orElseThrow(() -> ServiceException.notFound("tenant", id));
    }

    public List<TenantRecord> list(Principal who) {
        List<TenantRecord> out = new ArrayList<>();
        for (TenantRecord t : store.tenants()) {
            if (who.canSee(t.id())) {
                out.add(t);
            }
        }
        out.sort(Comparator.comparing(TenantRecord::id));
        return out;
    }

    public synchronized TenantRecord claim(Principal who, String tenantId, String name)
            throws ServiceException, StoreException {
        who.requireTenant(tenantId);
        TenantRecord t = store.tenant(tenantId).orElseThrow(() -> ServiceException.notFound("tenant", tenantId));
        String pattern = Hostnames.normalizePattern(name);
        if (pattern == null) {
            throw ServiceException.invalid("invalid-field", "name", "name: '" + name
                    + "' (expected: a DNS name or a one-label wildcard such as *.example.com)");
        }
        if (t.domains().contains(pattern)) {
            return t;
        }
        Optional<String> clash = owner(pattern, tenantId);
        if (clash.isPresent()) {
            String detail = who.admin() ? "name '" + pattern + "' overlaps '" + clash.get() + "'"
                    : "name '" + pattern + "' is claimed by another tenant";
            throw ServiceException.conflict("name-claimed", "name", detail);
        }
        List<String> next = new ArrayList<>(t.domains());
        next.add(pattern);
        TenantRecord updated = t.withDomains(next, store.nextRevision());
        store.putTenant(updated);
        return updated;
    }

    public synchronized TenantRecord release(Principal who, String tenantId, String name)
            throws ServiceException, StoreException {
        who.requireTenant(tenantId);
        TenantRecord t = store.tenant(tenantId).orElseThrow(() -> ServiceException.notFound("tenant", tenantId));
        String pattern = Hostnames.normalizePattern(name);
        if (pattern == null || !t.domains().contains(pattern)) {
            throw ServiceException.notFound("domain claim", name);
        }
        List<String> rest = new ArrayList<>(t.domains());
        rest.remove(pattern);
        for (CertificateRecord c : store.certificates()) {
            if (!c.tenant().equals(tenantId)) {
                continue;
            }
            for (String n : c.names()) {
                if (covers(pattern, n) && !coveredByAny(rest, n)) {
                    throw ServiceException.conflict("claim-in-use", "name", "certificate " + c.id() + " serves '" + n
                            + "' under this claim; delete or replace it first");
                }
            }
        }
        TenantRecord updated = t.withDomains(rest, store.nextRevision());
        store.putTenant(updated);
        return updated;
    }

    /** The claim of another tenant that overlaps {@code name}, if any ("tenant: claim"). */
    public Optional<String> claimedByOther(String name, String tenantId) {
        return owner(name, tenantId);
    }

    /**
     * Adds a name whose control the tenant proved in DNS to its claims (so it may also upload
     * certificates for it). Refused when another tenant's claim overlaps it meanwhile.
     */
    public synchronized TenantRecord addVerifiedClaim(String tenantId, String name) throws ServiceException, StoreException {
        TenantRecord t = store.tenant(tenantId).orElseThrow(() -> ServiceException.notFound("tenant", tenantId));
        if (coveredByAny(t.domains(), name)) {
            return t;
        }
        Optional<String> clash = owner(name, tenantId);
        if (clash.isPresent()) {
            throw ServiceException.conflict("name-claimed", "name", "name '" + name + "' is claimed by another tenant");
        }
        List<String> next = new ArrayList<>(t.domains());
        next.add(name);
        TenantRecord updated = t.withDomains(next, store.nextRevision());
        store.putTenant(updated);
        return updated;
    }

    /** The claim of another tenant that overlaps {@code pattern}, if any ("tenant: claim"). */
    private Optional<String> owner(String pattern, String exceptTenant) {
        for (TenantRecord other : store.tenants()) {
            if (other.id().equals(exceptTenant)) {
                continue;
            }
            for (String claimed : other.domains()) {
                if (claimed.equals(pattern) || covers(claimed, pattern) || covers(pattern, claimed)) {
                    return Optional.of(other.id() + ": " + claimed);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Whether claim {@code pattern} covers certificate name {@code name}: equal, or a wildcard claim
     * over an exact name one label below it.
     */
    public static boolean covers(String pattern, String name) {
        if (pattern.equals(name)) {
            return true;
        }
        return Hostnames.isWildcard(pattern) && !Hostnames.isWildcard(name) && Hostnames.covers(pattern, name);
    }

    public static boolean coveredByAny(List<String> claims, String name) {
        for (String c : claims) {
            if (covers(c, name)) {
                return true;
            }
        }
        return false;
    }
}
