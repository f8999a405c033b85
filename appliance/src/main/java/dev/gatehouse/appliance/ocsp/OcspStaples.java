package dev.gatehouse.appliance.ocsp;

import dev.gatehouse.cluster.DaemonThreads;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.OcspResponseRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreListener;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.sni.OcspStaple;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Staples on every node what the store holds: hears each {@link OcspResponseRecord} (written here by
 * the fetch lease holder, or replicated from it) and each certificate change, verifies the response
 * against the certificate's chain once more ({@link OcspVerifier}: a grid member without the cluster
 * key must not be able to make this node staple a forged or revoked answer), and hands it to the
 * engine's {@link CertificateRegistry}, which keeps it with the certificate's in-memory entry. A
 * response that is missing, for another leaf, past its nextUpdate, or not verifiable is not stapled.
 *
 * <p>Threads: store listener callbacks only enqueue the certificate id; the work runs on this
 * class's single thread, which also re-checks every record each {@code sweep} (to drop a staple
 * whose nextUpdate passed while the responder was down). {@link #status} and the meters read.
 */
public final class OcspStaples implements StoreListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OcspStaples.class);

    private final Store store;
    private final CertificateRegistry registry;
    private final Clock clock;
    private final ScheduledExecutorService thread =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("gatehouse-ocsp-staples"));
    /** What is stapled here for a certificate: the record's revision and the response's nextUpdate. */
    private record Applied(long revision, long nextUpdate) {
    }

    /** id → what is stapled here; written by this class's thread only. */
    private final Map<String, Applied> stapled = new ConcurrentHashMap<>();
    /** id → why this node refused the stored response; written by this class's thread only. */
    private final Map<String, String> rejected = new ConcurrentHashMap<>();
    private final LongAdder rejections = new LongAdder();
    private volatile MeterRegistry meters;

    /** @param store the node's local snapshot (the grid's events reach it) */
    public OcspStaples(Store store, CertificateRegistry registry, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.clock = clock;
    }

    /** Applies everything stored now, then keeps applying changes and sweeping every {@code sweepSeconds}. */
    public OcspStaples start(long sweepSeconds) {
        thread.scheduleWithFixedDelay(this::sweep, 0, sweepSeconds, TimeUnit.SECONDS);
        return this;
    }

    @Override
    public void ocspChanged(String certificate) {
        queue(certificate);
    }

    @Override
    public void certificatePut(CertificateRecord record) {
        queue(record.id());
    }

    @Override
    public void certificateRemoved(String id) {
        queue(id);
    }

    private void queue(String id) {
        try {
            thread.execute(() -> apply(id));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private void sweep() {
        try {
            for (OcspResponseRecord r : store.records(RecordKinds.OCSP_RESPONSES)) {
                apply(r.certificate());
            }
            for (String id : stapled.keySet()) {
                if (store.record(RecordKinds.OCSP_RESPONSES, id).isEmpty()) {
                    apply(id);
                }
            }
        } catch (RuntimeException e) {
            log.warn("event=ocsp_sweep_failed cause={}", e.toString());
        }
    }

    /** Puts the stored response for certificate {@code id} on the registry, or takes it off. */
    void apply(String id) {
        OcspResponseRecord r = store.record(RecordKinds.OCSP_RESPONSES, id).orElse(null);
        CertificateRecord c = store.record(RecordKinds.CERTIFICATES, id).orElse(null);
        long now = clock.millis();
        if (r == null || c == null || r.response() == null || !r.fingerprint().equals(c.fingerprint())
                || r.nextUpdate() <= now) {
            unstaple(id);
            rejected.remove(id);
            return;
        }
        Applied current = stapled.get(id);
        if (current != null && current.revision() == r.revision()) {
            return; // this response is stapled already
        }
        try {
            byte[] der = Base64.getDecoder().decode(r.response());
            Chains chain = Chains.of(c);
            if (chain.issuer() == null) {
                throw new OcspException(OcspException.Reason.NO_ISSUER, "the stored chain holds only the leaf");
            }
            OcspVerifier.Verified v = OcspVerifier.verify(der, chain.leaf(), chain.issuer(), now);
            registry.staple(id, new OcspStaple(c.fingerprint(), der, v.nextUpdate()));
            stapled.put(id, new Applied(r.revision(), v.nextUpdate()));
            rejected.remove(id);
            log.debug("event=ocsp_stapled certificate={} next_update={}", id, Instant.ofEpochMilli(v.nextUpdate()));
        } catch (OcspException e) {
            refuse(id, e.describe());
        } catch (IllegalArgumentException e) {
            refuse(id, "malformed: " + e.getMessage());
        }
    }

    private void refuse(String id, String why) {
        unstaple(id);
        if (!why.equals(rejected.put(id, why))) {
            rejections.increment();
            MeterRegistry m = meters;
            if (m != null) {
                Counter.builder("gatehouse.ocsp.rejected").description("Stored OCSP responses this node refused "
                        + "to staple (they did not verify)").register(m).increment();
            }
            log.error("event=ocsp_response_rejected certificate={} reason=\"{}\"", id, why);
        }
    }

    private void unstaple(String id) {
        if (stapled.remove(id) != null || registry.stapleOf(id).isPresent()) {
            registry.staple(id, null);
            log.debug("event=ocsp_unstapled certificate={}", id);
        }
    }

    /**
     * The OCSP state of a certificate, for the certificate API and {@code /v1/sni}: {@code state} is
     * {@code none} (its leaf names no responder), {@code pending} (not fetched yet), {@code fresh}
     * (a verified response, refreshed on time) or {@code failing} (the last fetch failed:
     * {@code lastError}; the previous response is still stapled until {@code stapledUntil}, if any).
     */
    public Map<String, Object> status(CertificateRecord c) {
        Map<String, Object> m = new LinkedHashMap<>();
        OcspResponseRecord r = store.record(RecordKinds.OCSP_RESPONSES, c.id()).filter(x -> x.fingerprint().equals(c.fingerprint()))
                .orElse(null);
        if (r == null) {
            String responder = null;
            try {
                responder = OcspResponderUrl.of(Chains.of(c).leaf()).map(Object::toString).orElse(null);
            } catch (IllegalArgumentException e) {
                // an unreadable chain names no responder
            }
            m.put("state", responder == null ? "none" : "pending");
            m.put("responder", responder);
            return m;
        }
        Applied here = stapled.get(c.id());
        long now = clock.millis();
        String refused = rejected.get(c.id());
        String state = r.failures() > 0 || refused != null ? "failing"
                : r.response() != null && r.nextUpdate() > now ? "fresh" : "pending";
        m.put("state", state);
        m.put("responder", r.responder());
        m.put("stapledUntil", here != null && here.nextUpdate() > now ? time(here.nextUpdate()) : null);
        m.put("thisUpdate", time(r.thisUpdate()));
        m.put("nextUpdate", time(r.nextUpdate()));
        m.put("fetchedAt", time(r.fetchedAt()));
        m.put("failures", r.failures());
        m.put("lastError", refused != null ? "refused on this node: " + refused : r.lastError());
        m.put("lastAttemptAt", time(r.lastAttemptAt()));
        m.put("nextAttemptAt", time(r.nextAttemptAt()));
        return m;
    }

    private static String time(long millis) {
        return millis <= 0 ? null : Instant.ofEpochMilli(millis).toString();
    }

    /** Certificates stapled on this node now. */
    public int stapledCount() {
        long now = clock.millis();
        return (int) stapled.values().stream().filter(a -> a.nextUpdate() > now).count();
    }

    /** Stored responses this node refused (since start). */
    public long rejections() {
        return rejections.sum();
    }

    /**
     * Registers {@code gatehouse_ocsp_stapled} (certificates stapled on this node),
     * {@code gatehouse_ocsp_certificates{state}} (the cluster's OCSP state by certificate, from the local
     * snapshot), and the counters {@code gatehouse_ocsp_fetches_total{result}} (fetches by this node as
     * lease holder: {@code ok} or the failure reason) and {@code gatehouse_ocsp_rejected_total}.
     */
    public void bindTo(MeterRegistry registry) {
        this.meters = registry;
        Gauge.builder("gatehouse.ocsp.stapled", this, OcspStaples::stapledCount)
                .description("Certificates this node staples a fresh OCSP response to").register(registry);
        for (String state : new String[] {"fresh", "failing", "pending"}) {
            Gauge.builder("gatehouse.ocsp.certificates", this, s -> s.count(state)).tag("state", state)
                    .description("Certificates with an OCSP responder, by stapling state (cluster-wide, from "
                            + "this node's snapshot)").register(registry);
        }
    }

    /** Outcome of a fetch by this node (see {@link OcspFetcher}); counted when metrics are on. */
    public void fetched(String certificate, String result) {
        MeterRegistry m = meters;
        if (m != null) {
            Counter.builder("gatehouse.ocsp.fetches").tag("result", result)
                    .description("OCSP fetches by this node as lease holder, by result").register(m).increment();
        }
    }

    private int count(String state) {
        long now = clock.millis();
        int n = 0;
        for (OcspResponseRecord r : store.records(RecordKinds.OCSP_RESPONSES)) {
            String s = r.failures() > 0 ? "failing" : r.response() != null && r.nextUpdate() > now ? "fresh" : "pending";
            if (s.equals(state)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
