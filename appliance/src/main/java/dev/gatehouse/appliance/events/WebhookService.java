package dev.gatehouse.appliance.events;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.WebhookDeliveryRecord;
import dev.gatehouse.cluster.store.WebhookRecord;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhook subscriptions. A tenant token subscribes to its own tenant's events only; an admin token
 * subscribes to one tenant's ({@code tenant} given) or to every event. The signing secret is made
 * here, returned once by {@link #create}, and kept sealed in the store. Another tenant's webhook is
 * reported as not found (its existence is not revealed).
 */
public final class WebhookService {

    private static final Logger log = LoggerFactory.getLogger(WebhookService.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Webhooks per tenant (and for the admin's all-events subscriptions). */
    public static final int MAX_PER_TENANT = 20;
    public static final int MAX_DESCRIPTION = 200;

    /** A new webhook and its secret (shown once). */
    public record Created(WebhookRecord webhook, String secret) {
    }

    private final Store store;
    private final Events events;
    private final Clock clock;
    private final boolean allowPrivateTargets;

    /** Tenant tokens' webhooks may not target private addresses. */
    public WebhookService(Store store, Events events, Clock clock) {
        this(store, events, clock, false);
    }

    /** @param allowPrivateTargets {@code events.allowPrivateTargets}: tenants' webhooks may reach private addresses */
    public WebhookService(Store store, Events events, Clock clock, boolean allowPrivateTargets) {
        this.store = store;
        this.events = events;
        this.clock = clock;
        this.allowPrivateTargets = allowPrivateTargets;
    }

    public synchronized Created create(Principal who, String tenant, String url, List<String> types,
            String description) throws ServiceException, StoreException {
        String owner = who.admin() ? tenant : who.tenant();
        if (!who.admin() && tenant != null && !tenant.equals(who.tenant())) {
            throw ServiceException.forbidden("a tenant token subscribes to its own tenant's events only");
        }
        if (owner != null && store.tenant(owner).isEmpty()) {
            throw ServiceException.notFound("tenant", owner);
        }
        java.net.URI target = WebhookUrl.check(url);
        boolean restricted = !who.admin();
        if (restricted && !allowPrivateTargets) {
            java.net.InetAddress a = PrivateTargets.privateAddressOf(target.getHost());
            if (a != null) {
                throw ServiceException.invalid("invalid-webhook-url", "url", "url: host '" + target.getHost()
                        + "' is or resolves to " + a.getHostAddress() + ", a private address (expected: a public "
                        + "address; the operator may allow private targets with events.allowPrivateTargets)");
            }
        }
        List<String> t = types == null ? List.of() : List.copyOf(types);
        for (String type : t) {
            if (!EventTypes.ALL.contains(type)) {
                throw ServiceException.invalid("invalid-field", "types", "types: '" + type + "' (expected: one of "
                        + String.join(", ", EventTypes.ALL) + ")");
            }
        }
        if (description != null && description.length() > MAX_DESCRIPTION) {
            throw ServiceException.invalid("invalid-field", "description", "description: " + description.length()
                    + " characters (expected: at most " + MAX_DESCRIPTION + ")");
        }
        long mine = store.records(RecordKinds.WEBHOOKS).stream().filter(w -> java.util.Objects.equals(w.tenant(), owner)).count();
        if (mine >= MAX_PER_TENANT) {
            throw ServiceException.conflict("webhook-limit", null, (owner == null ? "the admin" : "tenant '" + owner
                    + "'") + " has " + mine + " webhooks (expected: at most " + MAX_PER_TENANT + ")");
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String secret = "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        String id = "whk_" + HexFormat.of().formatHex(idBytes);
        WebhookRecord w = new WebhookRecord(id, owner, url, t,
                store.sealer().seal(secret.getBytes(StandardCharsets.UTF_8), WebhookRecord.secretAad(id)),
                events.highWater(), clock.millis(), description, store.nextRevision(), restricted);
        store.put(RecordKinds.WEBHOOKS, w);
        log.info("event=webhook_created id={} tenant={} url_host={} types={}", id, owner,
                java.net.URI.create(url).getHost(), t);
        return new Created(w, secret);
    }

    public List<WebhookRecord> list(Principal who) {
        List<WebhookRecord> out = new ArrayList<>();
        for (WebhookRecord w : store.records(RecordKinds.WEBHOOKS)) {
            if (visible(who, w)) {
                out.add(w);
            }
        }
        out.sort(Comparator.comparingLong(WebhookRecord::createdAt).thenComparing(WebhookRecord::id));
        return out;
    }

    /** Webhooks in the cluster (for {@code /v1/status}). */
    public int count() {
        return store.records(RecordKinds.WEBHOOKS).size();
    }

    public WebhookRecord get(Principal who, String id) throws ServiceException {
        WebhookRecord w = store.record(RecordKinds.WEBHOOKS, id).orElse(null);
        if (w == null || !visible(who, w)) {
            throw ServiceException.notFound("webhook", id);
        }
        return w;
    }

    public synchronized void delete(Principal who, String id) throws ServiceException, StoreException {
        WebhookRecord w = get(who, id);
        store.remove(RecordKinds.WEBHOOKS, w.id());
        store.remove(RecordKinds.WEBHOOK_DELIVERIES, w.id());
        log.info("event=webhook_deleted id={} tenant={}", w.id(), w.tenant());
    }

    /** Removes a tenant's webhooks (the tenant is being deleted). */
    public synchronized void removeAll(String tenant) throws StoreException {
        for (WebhookRecord w : store.records(RecordKinds.WEBHOOKS)) {
            if (tenant.equals(w.tenant())) {
                store.remove(RecordKinds.WEBHOOKS, w.id());
                store.remove(RecordKinds.WEBHOOK_DELIVERIES, w.id());
            }
        }
    }

    private static boolean visible(Principal who, WebhookRecord w) {
        return who.admin() || w.tenant() != null && w.tenant().equals(who.tenant());
    }

    /** The API view: the subscription and where its delivery stands (never the secret). */
    public Map<String, Object> view(WebhookRecord w) {
        WebhookDeliveryRecord d = store.record(RecordKinds.WEBHOOK_DELIVERIES, w.id()).orElse(null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id());
        m.put("tenant", w.tenant());
        m.put("url", w.url());
        m.put("types", w.types());
        m.put("description", w.description());
        m.put("createdAt", Instant.ofEpochMilli(w.createdAt()).toString());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("deliveredCursor", String.valueOf(d == null ? w.startAfter() : Math.max(w.startAfter(), d.deliveredSeq())));
        s.put("delivered", d == null ? 0 : d.delivered());
        s.put("failures", d == null ? 0 : d.failures());
        s.put("pendingEvent", d == null ? null : d.pendingEvent());
        s.put("lastAttemptAt", d == null || d.lastAttemptAt() == 0 ? null : Instant.ofEpochMilli(d.lastAttemptAt())
                .toString());
        s.put("lastStatus", d == null || d.lastAttemptAt() == 0 ? null : d.lastStatus());
        s.put("lastError", d == null ? null : d.lastError());
        s.put("nextAttemptAt", d == null || d.nextAttemptAt() == 0 ? null : Instant.ofEpochMilli(d.nextAttemptAt())
                .toString());
        m.put("delivery", s);
        return m;
    }
}
