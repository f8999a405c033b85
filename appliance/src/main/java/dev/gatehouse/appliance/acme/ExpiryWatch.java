package dev.gatehouse.appliance.acme;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates, managed or uploaded, that expire within the warning threshold: logged once per
 * certificate revision (WARN; ERROR once expired) and listed in {@code /v1/status}.
 */
public final class ExpiryWatch {

    private static final Logger log = LoggerFactory.getLogger(ExpiryWatch.class);
    private static final int LISTED = 20;

    private final Store store;
    private final Duration threshold;
    private final Clock clock;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    private volatile dev.gatehouse.appliance.events.EventSink events = dev.gatehouse.appliance.events.EventSink.NONE;
    private volatile java.util.function.BooleanSupplier leader = () -> false;

    /**
     * Reports {@code certificate.expiring} while {@code leader} says this node holds the scheduler
     * lease (one node per cluster), once per certificate revision and window (expiring, expired).
     */
    public void events(dev.gatehouse.appliance.events.EventSink sink, java.util.function.BooleanSupplier leader) {
        this.events = sink;
        this.leader = leader;
    }

    public ExpiryWatch(Store store, Duration threshold, Clock clock) {
        this.store = store;
        this.threshold = threshold;
        this.clock = clock;
    }

    private List<CertificateRecord> expiring() {
        long limit = clock.millis() + threshold.toMillis();
        List<CertificateRecord> out = new ArrayList<>();
        for (CertificateRecord c : store.certificates()) {
            if (c.notAfter() < limit) {
                out.add(c);
            }
        }
        out.sort(Comparator.comparingLong(CertificateRecord::notAfter));
        return out;
    }

    /** Logs certificates that newly entered the window (every node runs this on its scheduler tick). */
    public void scan() {
        long now = clock.millis();
        boolean report = leader.getAsBoolean();
        for (CertificateRecord c : expiring()) {
            String key = c.id() + "@" + c.revision() + (c.notAfter() < now ? "/expired" : "");
            if (report) {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("id", c.id());
                data.put("names", c.names());
                data.put("notAfter", Instant.ofEpochMilli(c.notAfter()).toString());
                data.put("expired", c.notAfter() < now);
                data.put("managed", c.managed());
                events.emitOnce(key, dev.gatehouse.appliance.events.EventTypes.CERTIFICATE_EXPIRING, c.tenant(),
                        c.id(), data);
            }
            if (warned.add(key)) {
                if (c.notAfter() < now) {
                    log.error("event=certificate_expired id={} tenant={} names={} not_after={} managed={}", c.id(),
                            c.tenant(), c.names(), Instant.ofEpochMilli(c.notAfter()), c.managed());
                } else {
                    log.warn("event=certificate_expiring id={} tenant={} names={} not_after={} managed={} within={}",
                            c.id(), c.tenant(), c.names(), Instant.ofEpochMilli(c.notAfter()), c.managed(), threshold);
                }
            }
        }
    }

    /** For {@code /v1/status}: how many expire within the threshold, and the first few. */
    public Map<String, Object> status() {
        List<CertificateRecord> all = expiring();
        long now = clock.millis();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("threshold", threshold.toString());
        m.put("count", all.size());
        m.put("certificates", all.stream().limit(LISTED).map(c -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("id", c.id());
            v.put("tenant", c.tenant());
            v.put("names", c.names());
            v.put("notAfter", Instant.ofEpochMilli(c.notAfter()).toString());
            v.put("expired", c.notAfter() < now);
            v.put("managed", c.managed());
            return v;
        }).toList());
        return m;
    }
}
