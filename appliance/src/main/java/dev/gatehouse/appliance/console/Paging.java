package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.auth.Principal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Cursor pagination of the console's lists: {@code ?limit=N&cursor=C}, answered with
 * {@code {"items": [...], "next": C'}} ({@code next} null on the last page). Items are ordered by
 * a stable key (id or name), and a cursor is the last key of a page followed by a tag that binds it
 * to the list and the caller's scope. Clients treat it as opaque; it begins with the key so that it
 * orders just before the next page (the certificate cursor was the bare last id, and clients and
 * tests compare against it).
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
    private static final int TAG_CHARS = 16;

    private Paging() {
    }

    /** One page of {@code all} (already filtered for the caller) as the response body. */
    static <T> Page page(ApiRequest r, Principal who, String list, List<T> all,
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

    /** One page as the response body: {@code next} null on the last page. */
    record Page(List<?> items, String next) {
    }

    static Page body(List<?> items, String next) {
        return new Page(List.copyOf(items), next);
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
        int dot = c.lastIndexOf('.');
        if (dot <= 0 || c.length() - dot - 1 != TAG_CHARS) {
            throw invalid(c, "not a cursor of this API");
        }
        String key = c.substring(0, dot);
        if (!c.substring(dot + 1).equals(tag(list, who.scope(), key))) {
            throw invalid(c, "not a cursor of this list for this token's scope");
        }
        return key;
    }

    /** The cursor after {@code lastKey}: the key, then a tag binding it to the list and the caller's scope. */
    static String cursor(Principal who, String list, String lastKey) {
        return lastKey + "." + tag(list, who.scope(), lastKey);
    }

    /**
     * A digest, not a secret MAC: the scope is not secret, so a client can mint a cursor for its
     * own scope, which only skips among what it may see anyway; what the tag stops is a cursor
     * carried to another list or another tenant's token being taken as meaningful there.
     */
    private static String tag(String list, String scope, String key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((VERSION + "\n" + list + "\n" + scope + "\n" + key)
                    .getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(d, 12));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing", e);
        }
    }

    private static ApiException invalid(String c, String why) {
        String shown = c.length() > 80 ? c.substring(0, 80) + "…" : c;
        return ApiException.badRequest("invalid-cursor", "cursor", "cursor: '" + shown + "' (" + why
                + "; expected: the next value of an earlier page of this list, read with the same token)");
    }
}
