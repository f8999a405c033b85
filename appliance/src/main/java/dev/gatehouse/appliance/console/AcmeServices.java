package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.acme.DomainService;
import dev.gatehouse.appliance.acme.ManagedCertificates;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.ManagedCertificateRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the console needs of ACME: domain claims, managed certificates, and a way to wake the
 * scheduler after a request. Null in {@link ConsoleApi} when {@code acme.enabled} is false.
 */
public record AcmeServices(DomainService domains, ManagedCertificates managed, Runnable wakeUp, String target) {

    static ApiException disabled() {
        return new ApiException(409, "acme-disabled", "Conflict", "ACME is not enabled on this node (acme.enabled: "
                + "false); upload certificates with POST /v1/certificates instead", null);
    }

    private static String time(long millis) {
        return millis <= 0 ? null : Instant.ofEpochMilli(millis).toString();
    }

    /** A domain claim as the API shows it, with the DNS records the tenant must create. */
    static Map<String, Object> view(DomainRecord d, String target) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("tenant", d.tenant());
        m.put("status", d.status());
        m.put("reason", d.reason());
        List<Map<String, Object>> records = new ArrayList<>();
        records.add(record("TXT", d.txtName(), d.txtValue()));
        if (target != null) {
            records.add(record(target.matches("\\d{1,3}(\\.\\d{1,3}){3}") ? "A" : "CNAME", d.name(), target));
        }
        m.put("records", records);
        m.put("seen", d.seen());
        m.put("attempts", d.attempts());
        m.put("lastCheckAt", time(d.lastCheckAt()));
        m.put("nextCheckAt", DomainRecord.PENDING.equals(d.status()) ? time(d.nextCheckAt()) : null);
        m.put("verifiedAt", time(d.verifiedAt()));
        m.put("createdAt", time(d.createdAt()));
        m.put("revision", Long.toString(d.revision()));
        return m;
    }

    private static Map<String, Object> record(String type, String name, String value) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", type);
        r.put("name", name);
        r.put("value", value);
        return r;
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
