package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.events.Events;
import dev.gatehouse.appliance.events.WebhookService;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.WebhookRecord;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The handlers of {@code /v1/events} and {@code /v1/webhooks}: query and body parsing, and views.
 * The routes themselves are in {@link ConsoleApi}'s table. Events page with their own cursor (the
 * position in the event log, {@code after}/{@code next}), which a long poll waits on; webhooks page
 * like every other list ({@link Paging}).
 */
public final class EventRoutes {

    private final Events events;
    private final WebhookService webhooks;

    public EventRoutes(Events events, WebhookService webhooks) {
        this.events = events;
        this.webhooks = webhooks;
    }

    /** {@code GET /v1/events?after=CURSOR&limit=N&wait=SECONDS&tenant=T&type=a,b}. */
    ApiResponse list(ApiRequest r, Principal w) throws ApiException, ServiceException {
        long after = number(r, "after", 0, Long.MAX_VALUE, "a cursor from an earlier page's next (0: from the start)");
        int limit = (int) number(r, "limit", 100, Events.MAX_LIMIT, "1-" + Events.MAX_LIMIT);
        if (r.queryParam("limit") != null && limit < 1) {
            throw ApiException.badRequest("invalid-field", "limit", "limit: " + limit + " (expected: 1-"
                    + Events.MAX_LIMIT + ")");
        }
        long wait = number(r, "wait", 0, Events.MAX_WAIT.toSeconds(), "0-" + Events.MAX_WAIT.toSeconds() + " seconds");
        Set<String> types = new LinkedHashSet<>();
        String t = r.queryParam("type");
        if (t != null) {
            for (String one : t.split(",")) {
                if (!dev.gatehouse.appliance.events.EventTypes.ALL.contains(one)) {
                    throw ApiException.badRequest("invalid-field", "type", "type: '" + one + "' (expected: one of "
                            + String.join(", ", dev.gatehouse.appliance.events.EventTypes.ALL) + ")");
                }
                types.add(one);
            }
        }
        Events.Page page;
        try {
            page = events.read(w, r.queryParam("tenant"), types, after, limit == 0 ? 100 : limit,
                    Duration.ofSeconds(wait));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "stopping", "Service unavailable", "the node is stopping", null);
        }
        return ApiResponse.ok(Paging.body(page.items().stream().map(Events::view).toList(),
                String.valueOf(page.next())));
    }

    private static long number(ApiRequest r, String name, long dflt, long max, String expected)
            throws ApiException {
        String v = r.queryParam(name);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0 || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid-field", name, name + ": '" + v + "' (expected: " + expected + ")");
        }
    }

    /** {@code POST /v1/webhooks}. */
    record CreateWebhook(String url, String tenant,
            @RequestBodies.Expected(value = "a list of event types", element = "event type strings") List<String> types,
            String description) {
    }

    /** {@code POST /v1/webhooks}: the view plus {@code secret}, shown this once. */
    ApiResponse create(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        CreateWebhook b = r.body(CreateWebhook.class);
        WebhookService.Created c = webhooks.create(w, b.tenant(), b.url(), b.types() == null ? List.of() : b.types(),
                b.description());
        Map<String, Object> out = new LinkedHashMap<>(webhooks.view(c.webhook()));
        out.put("secret", c.secret()); // shown once; stored sealed
        return ApiResponse.created(out).withETag(c.webhook().revision());
    }

    ApiResponse listWebhooks(ApiRequest r, Principal w) throws ApiException {
        return ApiResponse.ok(Paging.page(r, w, "webhooks", webhooks.list(w), WebhookRecord::id, webhooks::view));
    }

    ApiResponse get(ApiRequest r, Principal w) throws ServiceException {
        WebhookRecord hook = webhooks.get(w, r.param("id"));
        return ApiResponse.ok(webhooks.view(hook)).withETag(hook.revision());
    }

    ApiResponse delete(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        String id = r.param("id");
        Revisions.change(r, webhooks, () -> webhooks.get(w, id).revision(), () -> webhooks.delete(w, id));
        return ApiResponse.noContent();
    }
}
