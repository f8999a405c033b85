package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.acme.ManagedCertificates;
import dev.gatehouse.cluster.store.ManagedCertificateRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /** A managed certificate's issuer state (never the order key). */
    static Map<String, Object> view(ManagedCertificateRecord c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("tenant", c.tenant());
        m.put("certificateId", c.certificateId());
        m.put("state", c.state());
        m.put("lastError", c.lastError());
        m.put("attempts", c.attempts());
        m.put("orderInFlight", c.orderUrl() != null);
        m.put("nextAttemptAt", ManagedCertificateRecord.ISSUED.equals(c.state()) ? null : time(c.nextAttemptAt()));
        m.put("nextRenewalAt", time(c.nextRenewalAt()));
        m.put("notAfter", time(c.notAfter()));
        m.put("issuedAt", time(c.issuedAt()));
        m.put("issuedBy", c.issuedBy());
        m.put("requestedAt", time(c.requestedAt()));
        m.put("revision", Long.toString(c.revision()));
        return m;
    }
}
