package dev.gatehouse.appliance.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.events.Events;
import dev.gatehouse.appliance.events.WebhookService;
import dev.gatehouse.cluster.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The handlers of {@code /v1/events} and {@code /v1/webhooks}: query and body parsing, and views.
 * The routes themselves are in {@link ConsoleApi}'s table.
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
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", page.items().stream().map(Events::view).toList());
        out.put("next", String.valueOf(page.next()));
        return ApiResponse.ok(out);
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

    /** {@code POST /v1/webhooks}: the view plus {@code secret}, shown this once. */
    ApiResponse create(ApiRequest r, Principal w) throws ApiException, ServiceException, StoreException {
        JsonNode b = r.json();
        ApiRequest.onlyFields(b, "url", "tenant", "types", "description");
        List<String> types = new ArrayList<>();
        JsonNode tn = b.get("types");
        if (tn != null && !tn.isNull()) {
            if (!tn.isArray()) {
                throw ApiException.badRequest("invalid-field", "types", "types: " + tn.getNodeType().name()
                        .toLowerCase() + " (expected: a list of event types)");
            }
            for (JsonNode n : tn) {
                if (!n.isTextual()) {
                    throw ApiException.badRequest("invalid-field", "types", "types: " + n
                            + " (expected: event type strings)");
                }
                types.add(n.asText());
            }
        }
        WebhookService.Created c = webhooks.create(w, ApiRequest.text(b, "tenant"), ApiRequest.text(b, "url"), types,
                ApiRequest.text(b, "description"));
        Map<String, Object> out = new LinkedHashMap<>(webhooks.view(c.webhook()));
        out.put("secret", c.secret()); // shown once; stored sealed
        return ApiResponse.created(out);
    }

    ApiResponse list(Principal w) {
        return ApiResponse.ok(Map.of("items", webhooks.list(w).stream().map(webhooks::view).toList()));
    }

    ApiResponse get(ApiRequest r, Principal w) throws ServiceException {
        return ApiResponse.ok(webhooks.view(webhooks.get(w, r.param("id"))));
    }

    ApiResponse delete(ApiRequest r, Principal w) throws ServiceException, StoreException {
        webhooks.delete(w, r.param("id"));
        return ApiResponse.noContent();
    }
}
