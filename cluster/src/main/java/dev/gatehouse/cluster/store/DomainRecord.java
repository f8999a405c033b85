package dev.gatehouse.cluster.store;

import java.util.List;
import java.util.Objects;

/**
 * A tenant's claim on a DNS name, and where its ownership check stands. The tenant proves control
 * by publishing {@code txtValue} in a TXT record at {@code txtName} and pointing the name at the
 * edge; the checker records what it saw each time.
 *
 * <p>Several tenants may hold a pending claim on one name (a pending claim blocks nobody), so the
 * store key is {@link #key(String, String) name@tenant}; at most one claim covering a name is
 * {@code verified} at a time.
 *
 * @param name        the claimed name (normalized): exact, or a one-label wildcard {@code *.example.com}
 *                    (proved by the TXT record at the parent's label)
 * @param tenant      owning tenant id
 * @param txtName     where the TXT record must be published
 * @param txtValue    the random value it must hold
 * @param status      {@code pending}, {@code verified} or {@code failed}
 * @param reason      why the last check did not pass (null when verified)
 * @param seen        the records the last check found (TXT, CNAME, A), as {@code TYPE value}
 * @param attempts    checks made since the claim (or the last re-check request)
 * @param lastCheckAt epoch milliseconds of the last check, 0 before the first
 * @param nextCheckAt epoch milliseconds of the next check (pending only)
 * @param createdAt   epoch milliseconds of the claim
 * @param verifiedAt  epoch milliseconds of the first successful check, 0 before
 * @param revision    write revision (hybrid logical clock)
 * @param method      how it was verified: {@code dns} (the TXT record, and the target when one is set),
 *                    {@code admin} (assigned by an admin token, by fiat) or {@code migrated} (a claim of
 *                    the tenant's claim list before claims were proven); null while not verified
 */
public record DomainRecord(String name, String tenant, String txtName, String txtValue, String status, String reason,
        List<String> seen, int attempts, long lastCheckAt, long nextCheckAt, long createdAt, long verifiedAt,
        long revision, String method) {

    public static final String PENDING = "pending";
    public static final String VERIFIED = "verified";
    public static final String FAILED = "failed";

    public static final String BY_DNS = "dns";
    public static final String BY_ADMIN = "admin";
    public static final String BY_MIGRATION = "migrated";

    /** The store key of {@code tenant}'s claim on {@code name}. */
    public static String key(String name, String tenant) {
        return name + "@" + tenant;
    }

    public String key() {
        return key(name, tenant);
    }

    public boolean verified() {
        return VERIFIED.equals(status);
    }

    public boolean wildcard() {
        return name.startsWith("*.");
    }

    public DomainRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(status, "status");
        seen = seen == null ? List.of() : List.copyOf(seen);
    }

    /** The result of one check, at a new revision. */
    public DomainRecord checked(String nextStatus, String why, List<String> records, long now, long next, long rev) {
        return new DomainRecord(name, tenant, txtName, txtValue, nextStatus, why, records, attempts + 1, now, next,
                createdAt, VERIFIED.equals(nextStatus) && verifiedAt == 0 ? now : verifiedAt, rev,
                VERIFIED.equals(nextStatus) ? BY_DNS : null);
    }

    /** Back to pending, checked at once (a re-check the tenant asked for). */
    public DomainRecord recheck(long now, long rev) {
        return new DomainRecord(name, tenant, txtName, txtValue, PENDING, reason, seen, 0, lastCheckAt, now, createdAt,
                verifiedAt, rev, null);
    }

    /** Verified without a DNS check ({@link #BY_ADMIN} or {@link #BY_MIGRATION}). */
    public DomainRecord verifiedBy(String how, long now, long rev) {
        return new DomainRecord(name, tenant, txtName, txtValue, VERIFIED, null, seen, attempts, lastCheckAt, 0,
                createdAt, verifiedAt == 0 ? now : verifiedAt, rev, how);
    }
}
