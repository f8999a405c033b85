package dev.gatehouse.appliance.ocsp;

import dev.gatehouse.appliance.core.NodeLeases;
import dev.gatehouse.appliance.events.PrivateTargets;
import dev.gatehouse.appliance.ocsp.OcspException.Reason;
import dev.gatehouse.cluster.lease.LeaseHolder;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.OcspResponseRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches OCSP responses once per cluster: only the node holding lease {@value #LEASE} (taken or
 * extended every tick on one thread by a {@link LeaseHolder}, as for the ACME scheduler and webhook
 * delivery) asks the responders, and writes what it got to the store, from where every node staples
 * it ({@link OcspStaples}).
 *
 * <p>Per certificate whose leaf names a responder: the first fetch right away, then half-way
 * through the response's validity; after a failure, again with exponential back-off
 * ({@link OcspRefresh}). A failed fetch keeps the last good response (it is stapled until its
 * nextUpdate) except when the responder says "revoked": then the response is dropped and nothing is
 * stapled. Only verified responses are stored ({@link OcspVerifier}); a response that does not
 * verify is reported (state, log, metric) like any other failure.
 *
 * <p>The lease is checked before each fetch and its TTL outlasts a fetch's timeout, so two nodes
 * do not fetch at once while the grid is whole. A successor resumes from the stored records (their
 * {@code nextAttemptAt}), so a lease change costs no extra fetch.
 */
public final class OcspFetcher implements AutoCloseable {

    static final String LEASE = "ocsp-fetch";
    private static final Logger log = LoggerFactory.getLogger(OcspFetcher.class);

    /**
     * @param interval               how often the loop runs (and the lease is extended)
     * @param leaseTtl               how long the lease lasts without being extended (> timeout + interval)
     * @param timeout                connect + answer time of one fetch
     * @param retryMin               first retry delay after a failure (doubles per failure)
     * @param retryMax               longest retry delay
     * @param minRefresh             shortest time between two successful fetches for one certificate
     * @param allowPrivateResponders false: a responder on a private address is not asked (the
     *                               certificate, and so the URL, is a tenant's)
     */
    public record Settings(Duration interval, Duration leaseTtl, Duration timeout, Duration retryMin,
            Duration retryMax, Duration minRefresh, boolean allowPrivateResponders) {

        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(10),
                    Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofMinutes(1), false);
        }
    }

    private final Store store;
    private final Settings settings;
    private final Clock clock;
    private final OcspClient client;
    /** Told of every fetch outcome: "ok" or the failure reason label (metrics). */
    private final BiConsumer<String, String> outcomes;
    private final LeaseHolder lease;
    /** Certificate ids this node found without a responder, by fingerprint (so their chain is parsed once). */
    private final ConcurrentHashMap<String, String> withoutResponder = new ConcurrentHashMap<>();

    /** @param outcomes (certificate id, "ok" or failure reason), for metrics */
    public OcspFetcher(Store store, NodeLeases leases, Settings settings, Clock clock, String userAgent,
            BiConsumer<String, String> outcomes) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.outcomes = outcomes;
        this.client = new OcspClient(settings.timeout(), userAgent);
        this.lease = leases.holder(LEASE, settings.leaseTtl(), "ocsp", "gatehouse-ocsp-fetch", log);
    }

    public OcspFetcher start() {
        lease.start(settings.interval(), this::tick);
        return this;
    }

    /** Runs one pass now (on the fetch thread), e.g. after an upload; returns at once. */
    public void wakeUp() {
        lease.execute(this::tick);
    }

    /** True while this node holds the fetch lease. */
    public boolean holdsLease() {
        return lease.held();
    }

    void tick() {
        lease.runIfHeld(this::fetchDue);
    }

    /** A tick under the lease: fetches what is due, then drops responses of removed certificates. */
    private void fetchDue() throws StoreException {
        Set<String> live = new HashSet<>();
        for (CertificateRecord c : store.certificates()) {
            live.add(c.id());
            if (!due(c)) {
                continue;
            }
            if (!lease.extend()) {
                return; // lost between two fetches: the next holder resumes from the records
            }
            refresh(c);
        }
        for (OcspResponseRecord r : store.records(RecordKinds.OCSP_RESPONSES)) {
            if (!live.contains(r.certificate())) {
                store.remove(RecordKinds.OCSP_RESPONSES, r.certificate()); // the certificate is gone
            }
        }
        withoutResponder.keySet().retainAll(live);
    }

    /** Whether {@code c} names a responder and its record says a fetch is due (or it has none for this leaf). */
    private boolean due(CertificateRecord c) throws StoreException {
        if (c.fingerprint().equals(withoutResponder.get(c.id()))) {
            return false;
        }
        Optional<OcspResponseRecord> r = store.record(RecordKinds.OCSP_RESPONSES, c.id());
        if (r.isPresent() && r.get().fingerprint().equals(c.fingerprint())) {
            return clock.millis() >= r.get().nextAttemptAt() && c.notAfter() > clock.millis();
        }
        Chains chain;
        try {
            chain = Chains.of(c);
        } catch (IllegalArgumentException e) {
            withoutResponder.put(c.id(), c.fingerprint());
            return false;
        }
        if (OcspResponderUrl.of(chain.leaf()).isEmpty()) {
            withoutResponder.put(c.id(), c.fingerprint());
            if (r.isPresent()) {
                store.remove(RecordKinds.OCSP_RESPONSES, c.id()); // replaced by a leaf that names no responder
            }
            return false;
        }
        return c.notAfter() > clock.millis();
    }

    private void refresh(CertificateRecord c) throws StoreException {
        Chains chain = Chains.of(c);
        URI responder = OcspResponderUrl.of(chain.leaf()).orElseThrow();
        OcspResponseRecord previous = store.record(RecordKinds.OCSP_RESPONSES, c.id())
                .filter(r -> r.fingerprint().equals(c.fingerprint())).orElse(null);
        long now = clock.millis();
        try {
            if (chain.issuer() == null) {
                throw new OcspException(Reason.NO_ISSUER, "the uploaded chain holds only the leaf (expected: the "
                        + "leaf and its issuer)");
            }
            checkTarget(responder);
            byte[] der = client.fetch(responder, chain.leaf(), chain.issuer());
            OcspVerifier.Verified v = OcspVerifier.verify(der, chain.leaf(), chain.issuer(), clock.millis());
            now = clock.millis();
            store.put(RecordKinds.OCSP_RESPONSES, new OcspResponseRecord(c.id(), c.fingerprint(), responder.toString(),
                    Base64.getEncoder().encodeToString(der), v.thisUpdate(), v.nextUpdate(), now, 0, null, now,
                    OcspRefresh.afterSuccess(now, v.thisUpdate(), v.nextUpdate(), settings.minRefresh()),
                    store.nextRevision()));
            outcomes.accept(c.id(), "ok");
            log.info("event=ocsp_fetched certificate={} responder={} this_update={} next_update={} signer=\"{}\"",
                    c.id(), responder, java.time.Instant.ofEpochMilli(v.thisUpdate()),
                    java.time.Instant.ofEpochMilli(v.nextUpdate()), v.signer());
        } catch (OcspException e) {
            now = clock.millis();
            int failures = previous == null ? 1 : previous.failures() + 1;
            boolean keep = previous != null && previous.response() != null && e.reason() != Reason.REVOKED
                    && previous.nextUpdate() > now;
            store.put(RecordKinds.OCSP_RESPONSES, new OcspResponseRecord(c.id(), c.fingerprint(), responder.toString(),
                    keep ? previous.response() : null, keep ? previous.thisUpdate() : 0,
                    keep ? previous.nextUpdate() : 0, keep ? previous.fetchedAt() : 0, failures, e.describe(), now,
                    OcspRefresh.afterFailure(now, failures, settings.retryMin(), settings.retryMax(),
                            keep ? previous.nextUpdate() : 0),
                    store.nextRevision()));
            outcomes.accept(c.id(), e.reason().label());
            log.warn("event=ocsp_fetch_failed certificate={} responder={} reason={} failures={} kept_staple={} "
                    + "detail=\"{}\"", c.id(), responder, e.reason().label(), failures, keep, e.getMessage());
        }
    }

    private void checkTarget(URI responder) throws OcspException {
        if (settings.allowPrivateResponders()) {
            return;
        }
        InetAddress a = PrivateTargets.privateAddressOf(responder.getHost());
        if (a != null) {
            throw new OcspException(Reason.PRIVATE_RESPONDER, responder.getHost() + " is the private address "
                    + a.getHostAddress() + " (set ocsp.allowPrivateResponders: true to ask it)");
        }
    }

    @Override
    public void close() {
        lease.close();
    }
}
