package dev.gatehouse.cluster.store;

import java.util.List;
import java.util.Objects;

/**
 * A tenant's claim on a DNS name, and where its ownership check stands. The tenant proves control
 * by publishing {@code txtValue} in a TXT record at {@code txtName} and pointing the name at the
 * edge; the checker records what it saw each time.
 *
 * @param name        the claimed name (normalized, exact; wildcards need DNS-01, not offered)
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
 */
public record DomainRecord(String name, String tenant, String txtName, String txtValue, String status, String reason,
        List<String> seen, int attempts, long lastCheckAt, long nextCheckAt, long createdAt, long verifiedAt,
        long revision) {

    public static final String PENDING = "pending";
    public static final String VERIFIED = "verified";
    public static final String FAILED = "failed";

    public DomainRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(status, "status");
        seen = seen == null ? List.of() : List.copyOf(seen);
    }

    /** The result of one check, at a new revision. */
    public DomainRecord checked(String nextStatus, String why, List<String> records, long now, long next, long rev) {
        return new DomainRecord(name, tenant, txtName, txtValue, nextStatus, why, records, attempts + 1, now, next,
                createdAt, VERIFIED.equals(nextStatus) && verifiedAt == 0 ? now : verifiedAt, rev);
    }

    /** Back to pending, checked at once (a re-check the tenant asked for). */
    public DomainRecord recheck(long now, long rev) {
        return new DomainRecord(name, tenant, txtName, txtValue, PENDING, reason, seen, 0, lastCheckAt, now, createdAt,
                verifiedAt, rev);
    }
}
