package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Cursor pagination of the console's lists: {@code ?limit=N&cursor=C}, answered with
 * {@code {"items": [...], "next": C'}} ({@code next} null on the last page). Items are ordered by
 * a stable key (id or name), and a cursor is the last key of a page, wrapped so clients treat it as
 * opaque: base64url of {@code v1}, the list, the caller's scope and the key.
 *
 * <p>Cursors are not trusted. The list is filtered to what the caller may see before the cursor
 * applies, so a crafted cursor can only skip items, never reveal another tenant's; and a cursor
 * minted for another list or another scope (tenant A's cursor replayed with tenant B's token) is
 * refused with 400 {@code invalid-cursor} rather than silently reinterpreted.
 */
final class Paging {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    private static final String VERSION = "v1";

    private Paging() {
    }

    /** One page of {@code all} (already filtered for the caller) as the response body. */
    static <T> Map<String, Object> page(ApiRequest r, Principal who, String list, List<T> all,
            Function<T, String> key, Function<T, ?> view) throws ApiException {
        int limit = limit(r);
        String after = after(r, who, list);
        List<T> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparing(key));
        List<Object> items = new ArrayList<>();
        String last = null;
        boolean more = false;
        for (T t : sorted) {
            String k = key.apply(t);
            if (after != null && k.compareTo(after) <= 0) {
                continue;
            }
            if (items.size() == limit) {
                more = true;
                break;
            }
            items.add(view.apply(t));
            last = k;
        }
        return body(items, more ? cursor(who, list, last) : null);
    }

    static Map<String, Object> body(List<?> items, String next) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", items);
        out.put("next", next);
        return out;
    }

    /** {@code limit}: 1 to {@link #MAX_LIMIT}, {@link #DEFAULT_LIMIT} when absent. */
    static int limit(ApiRequest r) throws ApiException {
        String v = r.queryParam("limit");
        if (v == null) {
            return DEFAULT_LIMIT;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid-field", "limit", "limit: '" + v + "' (expected: 1-" + MAX_LIMIT + ")");
        }
        if (n < 1 || n > MAX_LIMIT) {
            throw ApiException.badRequest("invalid-field", "limit", "limit: " + n + " (expected: 1-" + MAX_LIMIT + ")");
        }
        return n;
    }

    /** The key the request's {@code cursor} resumes after, or null for the first page; 400 for a bad cursor. */
    static String after(ApiRequest r, Principal who, String list) throws ApiException {
        String c = r.queryParam("cursor");
        if (c == null || c.isEmpty()) {
            return null;
        }
        String[] parts;
        try {
            parts = new String(Base64.getUrlDecoder().decode(c), StandardCharsets.UTF_8).split("\n", -1);
        } catch (IllegalArgumentException e) {
            throw invalid(c, "not a cursor of this API");
        }
        if (parts.length != 4 || !parts[0].equals(VERSION) || parts[3].isEmpty()) {
            throw invalid(c, "not a cursor of this API");
        }
        if (!parts[1].equals(list)) {
            throw invalid(c, "a cursor of another list");
        }
        if (!parts[2].equals(who.scope())) {
            throw invalid(c, "a cursor issued to another token scope");
        }
        return parts[3];
    }

    static String cursor(Principal who, String list, String lastKey) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((VERSION + "\n" + list + "\n" + who.scope()
                + "\n" + lastKey).getBytes(StandardCharsets.UTF_8));
    }

    private static ApiException invalid(String c, String why) {
        String shown = c.length() > 80 ? c.substring(0, 80) + "…" : c;
        return ApiException.badRequest("invalid-cursor", "cursor", "cursor: '" + shown + "' (" + why
                + "; expected: the next value of an earlier page of this list, read with the same token)");
    }
}
