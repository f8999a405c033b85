package dev.gatehouse.appliance.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.core.NodeLeases;
import dev.gatehouse.cluster.lease.LeaseHolder;
import dev.gatehouse.cluster.store.EventRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.WebhookDeliveryRecord;
import dev.gatehouse.cluster.store.WebhookRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to webhooks from exactly one node: the holder of lease {@value #LEASE}, taken or
 * extended every tick on one thread by a {@link LeaseHolder} (as for the ACME scheduler).
 * The holder also applies event retention ({@link Events#prune()}) and drops webhooks of deleted
 * tenants.
 *
 * <p>Per webhook, events go one at a time in cursor order: an event is POSTed, and only on a 2xx
 * answer is the webhook's delivered cursor advanced and persisted (through the store, so it
 * replicates); then the next. A failure (non-2xx, redirect, timeout, refused connection) is retried
 * after {@code retryMin × 2^(failures-1)}, capped at {@code retryMax}, for as long as the event is
 * retained (a webhook failing for longer than the retention loses the events pruned meanwhile).
 *
 * <p><b>What is guaranteed.</b> Every retained event a webhook subscribes to is delivered at least
 * once, in cursor order. The lease is checked before every POST and its TTL outlasts a POST's
 * timeout, so two nodes do not deliver at once while the grid is whole. When the holder dies, the
 * next holder resumes after the last persisted cursor: an event that was in flight at the crash (POSTed,
 * answer not yet persisted) is sent again, with the same {@value WebhookSignature#EVENT_ID} header.
 * A receiver that dedups by that id therefore sees each event exactly once. (A split brain can let
 * both halves deliver until the merge; the id covers that too.)
 */
public final class WebhookDelivery implements AutoCloseable {

    static final String LEASE = "webhook-delivery";
    private static final Logger log = LoggerFactory.getLogger(WebhookDelivery.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Events sent to one webhook per tick before the next webhook gets its turn. */
    private static final int BATCH = 100;

    /**
     * @param tick     how often the loop runs (and the lease is extended)
     * @param leaseTtl how long the lease lasts without being extended (> timeout + tick)
     * @param timeout  connect + answer time of one POST
     * @param retryMin first retry delay (doubles per failure)
     * @param retryMax longest retry delay
     * @param allowPrivateTargets false: a webhook a tenant created is not sent to private addresses
     */
    public record Settings(Duration tick, Duration leaseTtl, Duration timeout, Duration retryMin, Duration retryMax,
            boolean allowPrivateTargets) {

        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(10),
                    Duration.ofSeconds(5), Duration.ofHours(1), false);
        }
    }

    private final Store store;
    private final Events events;
    private final Settings settings;
    private final Clock clock;
    private final OutboundHttp http;
    private final LeaseHolder lease;

    public WebhookDelivery(Store store, Events events, NodeLeases leases, Settings settings, Clock clock,
            String userAgent) {
        this.store = store;
        this.events = events;
        this.settings = settings;
        this.clock = clock;
        this.http = new OutboundHttp(settings.timeout(), userAgent, HttpClient.Version.HTTP_2);
        this.lease = leases.holder(LEASE, settings.leaseTtl(), "webhook", "gatehouse-webhooks", log);
    }

    public WebhookDelivery start() {
        lease.start(settings.tick(), this::tick);
        return this;
    }

    /** True while this node holds the delivery lease. */
    public boolean holdsLease() {
        return lease.held();
    }

    void tick() {
        lease.runIfHeld(this::deliverAll);
    }

    /** A tick under the lease: retention, webhooks of deleted tenants, then each webhook's due events. */
    private void deliverAll() throws StoreException {
        events.prune();
        for (WebhookRecord w : store.records(RecordKinds.WEBHOOKS)) {
            if (w.tenant() != null && store.tenant(w.tenant()).isEmpty()) {
                store.remove(RecordKinds.WEBHOOKS, w.id()); // the tenant is gone: a tenant re-created under its id must not inherit it
                store.remove(RecordKinds.WEBHOOK_DELIVERIES, w.id());
                log.info("event=webhook_dropped id={} tenant={} reason=tenant deleted", w.id(), w.tenant());
                continue;
            }
            if (!deliver(w)) {
                return; // lease lost
            }
        }
    }

    /** Sends what is due to one webhook; false when the lease was lost meanwhile. */
    private boolean deliver(WebhookRecord w) throws StoreException {
        WebhookDeliveryRecord d = store.record(RecordKinds.WEBHOOK_DELIVERIES, w.id()).orElse(null);
        long now = clock.millis();
        if (d != null && d.nextAttemptAt() > now) {
            return true;
        }
        long cursor = Math.max(w.startAfter(), d == null ? 0 : d.deliveredSeq());
        Events.Page page = events.after(cursor, BATCH, e -> matches(w, e));
        if (page.items().isEmpty()) {
            if (page.next() > cursor) {
                // nothing for this webhook up to there: remember it, so the next scan starts later
                put(w, page.next(), d == null ? 0 : d.delivered(), 0, null, 0, d == null ? 0 : d.lastStatus(),
                        d == null ? null : d.lastError(), d == null ? 0 : d.lastAttemptAt());
            }
            return true;
        }
        String secret;
        try {
            byte[] raw = store.sealer().open(w.sealedSecret(), w.secretAad());
            secret = new String(raw, StandardCharsets.UTF_8);
            Arrays.fill(raw, (byte) 0);
        } catch (SealException e) {
            log.error("event=webhook_secret_unreadable id={} cause={}", w.id(), e.getMessage());
            return true;
        }
        for (EventRecord e : page.items()) {
            if (!lease.extend()) {
                return false;
            }
            if (store.record(RecordKinds.WEBHOOKS, w.id()).isEmpty()) {
                return true; // deleted meanwhile
            }
            WebhookDeliveryRecord current = store.record(RecordKinds.WEBHOOK_DELIVERIES, w.id()).orElse(null);
            int failures = current != null && e.id().equals(current.pendingEvent()) ? current.failures() : 0;
            long delivered = current == null ? 0 : current.delivered();
            Attempt a = post(w, secret, e, failures + 1);
            long at = clock.millis();
            if (a.ok()) {
                put(w, e.seq(), delivered + 1, 0, null, 0, a.status(), null, at);
                log.debug("event=webhook_delivered id={} event={} cursor={} status={}", w.id(), e.id(), e.seq(),
                        a.status());
                continue;
            }
            int n = failures + 1;
            long delay = backoff(settings.retryMin(), settings.retryMax(), n).toMillis();
            put(w, cursor(current, w), delivered, n, e.id(), at + delay, a.status(), a.error(), at);
            log.warn("event=webhook_attempt_failed id={} event={} attempt={} status={} error={} next_in_ms={}", w.id(),
                    e.id(), n, a.status(), a.error(), delay);
            return true;
        }
        return true;
    }

    private static long cursor(WebhookDeliveryRecord d, WebhookRecord w) {
        return Math.max(w.startAfter(), d == null ? 0 : d.deliveredSeq());
    }

    private void put(WebhookRecord w, long seq, long delivered, int failures, String pending, long next, int status,
            String error, long at) throws StoreException {
        store.put(RecordKinds.WEBHOOK_DELIVERIES, new WebhookDeliveryRecord(w.id(), seq, delivered, failures, pending, at, status, error,
                next, store.nextRevision()));
    }

    /** {@code first × 2^(n-1)}, capped at {@code max}. */
    static Duration backoff(Duration first, Duration max, int n) {
        long ms = first.toMillis();
        for (int i = 1; i < n && ms < max.toMillis(); i++) {
            ms *= 2;
        }
        return Duration.ofMillis(Math.min(ms, max.toMillis()));
    }

    static boolean matches(WebhookRecord w, EventRecord e) {
        if (w.tenant() != null && !w.tenant().equals(e.tenant())) {
            return false;
        }
        return w.types().isEmpty() || w.types().contains(e.type());
    }

    record Attempt(boolean ok, int status, String error) {
    }

    private Attempt post(WebhookRecord w, String secret, EventRecord e, int attempt) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Events.view(e));
        } catch (IOException ex) {
            return new Attempt(false, 0, "cannot encode: " + ex.getMessage());
        }
        long t = clock.millis() / 1000;
        if (w.restricted() && !settings.allowPrivateTargets()) {
            java.net.InetAddress a = PrivateTargets.privateAddressOf(URI.create(w.url()).getHost());
            if (a != null) {
                return new Attempt(false, 0, "not sent: the host resolves to " + a.getHostAddress()
                        + ", a private address (events.allowPrivateTargets: false)");
            }
        }
        try {
            HttpRequest req = http.post(URI.create(w.url()), "application/json", body)
                    .header(WebhookSignature.HEADER, WebhookSignature.header(secret, t, body))
                    .header(WebhookSignature.TIMESTAMP, String.valueOf(t))
                    .header(WebhookSignature.EVENT_ID, e.id())
                    .header(WebhookSignature.EVENT_TYPE, e.type())
                    .header(WebhookSignature.WEBHOOK, w.id())
                    .header(WebhookSignature.ATTEMPT, String.valueOf(attempt))
                    .build();
            HttpResponse<Void> resp = http.send(req, HttpResponse.BodyHandlers.discarding());
            int s = resp.statusCode();
            return s >= 200 && s < 300 ? new Attempt(true, s, null)
                    : new Attempt(false, s, "answered " + s + (s >= 300 && s < 400 ? " (redirects are not followed)"
                            : ""));
        } catch (java.net.http.HttpTimeoutException ex) {
            return new Attempt(false, 0, "timed out after " + settings.timeout().toMillis() + " ms");
        } catch (IOException ex) {
            return new Attempt(false, 0, ex.getClass().getSimpleName() + (ex.getMessage() == null ? ""
                    : ": " + ex.getMessage()));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return new Attempt(false, 0, "interrupted (node stopping)");
        } catch (IllegalArgumentException ex) {
            return new Attempt(false, 0, "bad URL: " + ex.getMessage());
        }
    }

    @Override
    public void close() {
        lease.close();
    }
}
