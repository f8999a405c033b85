package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.StoreException;
import java.util.Map;

/**
 * {@code ETag} and {@code If-Match} (RFC 9110 §8.8.3, §13.1.1) over the store's revisions: every
 * stored object carries a 64-bit revision, its entity tag is that number quoted. A write with
 * {@code If-Match} that names another revision is refused with 412 and the current one, before
 * anything changes; without the header a write behaves as it always did (last writer wins).
 */
final class Revisions {

    static final String IF_MATCH = "if-match";

    private Revisions() {
    }

    static String etag(long revision) {
        return "\"" + revision + "\"";
    }

    /** The current revision of the object a write addresses; null when it does not exist. */
    @FunctionalInterface
    interface Lookup {
        Long revision() throws ApiException, ServiceException;
    }

    /** A write that returns what the console answers. */
    @FunctionalInterface
    interface Write<T> {
        T run() throws ApiException, ServiceException, StoreException;
    }

    /** A write that answers nothing of its own (a delete, a revoke). */
    @FunctionalInterface
    interface Change {
        void run() throws ApiException, ServiceException, StoreException;
    }

    /**
     * {@link #require} and the write it guards, both under {@code lock} (the service the write goes
     * to), so that no other console write to that service lands between the check and the change.
     */
    static <T> T write(ApiRequest r, Object lock, Lookup current, Write<T> write)
            throws ApiException, ServiceException, StoreException {
        synchronized (lock) {
            require(r, current);
            return write.run();
        }
    }

    /** {@link #write} for a change that answers nothing of its own. */
    static void change(ApiRequest r, Object lock, Lookup current, Change change)
            throws ApiException, ServiceException, StoreException {
        write(r, lock, current, () -> {
            change.run();
            return null;
        });
    }

    /**
     * 412 unless the request has no {@code If-Match}, or its {@code If-Match} is {@code *} or lists
     * the current revision (strong or weak form, quoted or not: a client that echoes a view's
     * {@code revision} field works too). The object is looked up only when the header is there, so
     * a write without it behaves exactly as before.
     */
    static void require(ApiRequest r, Lookup current) throws ApiException, ServiceException {
        String header = r.header(IF_MATCH);
        if (header == null || header.isBlank()) {
            return;
        }
        String shown = header.length() > 100 ? header.substring(0, 100) + "…" : header;
        Long rev = current.revision();
        if (rev == null) {
            throw new ApiException(412, "revision-mismatch", "Precondition failed", "If-Match: '" + shown
                    + "' (expected: no If-Match; the object does not exist)", "If-Match");
        }
        for (String tag : header.split(",")) {
            String t = tag.trim();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
                t = t.substring(1, t.length() - 1);
            }
            if (t.equals("*") || t.equals(Long.toString(rev))) {
                return;
            }
        }
        throw new ApiException(412, "revision-mismatch", "Precondition failed", "If-Match: '" + shown
                + "' (expected: the current revision " + etag(rev) + "; the object changed since it was read and "
                + "nothing was changed: read it again and retry)", "If-Match", Map.of("revision", Long.toString(rev)));
    }
}
