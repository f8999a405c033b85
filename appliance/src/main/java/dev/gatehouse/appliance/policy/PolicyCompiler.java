package dev.gatehouse.appliance.policy;

import dev.gatehouse.tls.policy.CidrSet;
import dev.gatehouse.tls.policy.ClientRateLimiter;
import dev.gatehouse.tls.policy.HostPolicy;

/** Turns a stored policy into what the data plane applies ({@link HostPolicy}). */
final class PolicyCompiler {

    /** Token buckets kept per name and node: beyond this many client addresses the least recent go. */
    static final int MAX_CLIENTS = 100_000;

    private PolicyCompiler() {
    }

    /**
     * @param previous the name's policy compiled before (null: none): its rate limiter is kept when the
     *                 rate and burst did not change, so a policy edit does not refill every client's bucket
     */
    static HostPolicy compile(HostnamePolicy p, HostnamePolicy before, HostPolicy previous) {
        HostPolicy.Builder b = HostPolicy.builder().tls13Only("1.3".equals(p.minTlsVersion()));
        if (p.hsts() != null) {
            b.hsts(p.hsts().maxAge(), p.hsts().includeSubDomains(), p.hsts().preload());
        }
        if (p.redirectHttp() != null) {
            b.redirectStatus(p.redirectHttp().enabled() ? p.redirectHttp().status() : -1);
        }
        if (p.origin() != null) {
            b.origin(p.origin().pool(), p.origin().host());
        }
        b.errorPages(p.errorPages());
        b.ipLists(p.ipAllow().isEmpty() ? null : CidrSet.parse("ipAllow", p.ipAllow()),
                p.ipDeny().isEmpty() ? null : CidrSet.parse("ipDeny", p.ipDeny()), "alert".equals(p.ipDenyAction()));
        if (p.rateLimit() != null) {
            boolean same = previous != null && previous.limiter() != null && before != null
                    && p.rateLimit().equals(before.rateLimit());
            b.rateLimit(same ? previous.limiter() : new ClientRateLimiter(p.rateLimit().requestsPerSecond(),
                    p.rateLimit().burst(), MAX_CLIENTS));
        }
        if (p.metadata() != null) {
            b.metadata(p.metadata().toString());
        }
        return b.build();
    }
}
