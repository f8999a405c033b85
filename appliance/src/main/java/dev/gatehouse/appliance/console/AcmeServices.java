package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.acme.ManagedCertificates;
import dev.gatehouse.cluster.store.ManagedCertificateRecord;
import java.time.Instant;

/**
 * What the console needs of ACME: managed certificates, and a way to wake the scheduler after a
 * request. Null in {@link ConsoleApi} when {@code acme.enabled} is false (domain claims do not
 * need ACME: they are always on).
 */
public record AcmeServices(ManagedCertificates managed, Runnable wakeUp) {

    static ApiException disabled() {
        return new ApiException(409, "acme-disabled", "Conflict", "ACME is not enabled on this node (acme.enabled: "
                + "false); upload certificates with POST /v1/certificates instead", null);
    }

    private static String time(long millis) {
        return millis <= 0 ? null : Instant.ofEpochMilli(millis).toString();
    }

    /** A managed certificate's issuer state (never the order key); times as ISO-8601, null when unset. */
    record ManagedCertificate(String name, String tenant, String certificateId, String state, String lastError,
            int attempts, boolean orderInFlight, String nextAttemptAt, String nextRenewalAt, String notAfter,
            String issuedAt, String issuedBy, String requestedAt, String revision) implements ConsoleViews.Revisioned {
    }

    static ManagedCertificate view(ManagedCertificateRecord c) {
        return new ManagedCertificate(c.name(), c.tenant(), c.certificateId(), c.state(), c.lastError(), c.attempts(),
                c.orderUrl() != null,
                ManagedCertificateRecord.ISSUED.equals(c.state()) ? null : time(c.nextAttemptAt()),
                time(c.nextRenewalAt()), time(c.notAfter()), time(c.issuedAt()), c.issuedBy(),
                time(c.requestedAt()), Long.toString(c.revision()));
    }
}
