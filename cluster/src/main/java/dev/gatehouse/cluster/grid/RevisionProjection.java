package dev.gatehouse.cluster.grid;

import com.hazelcast.projection.Projection;
import java.io.Serial;
import java.util.Map;

/**
 * Reduces a grid entry to {@code key|revision|keyId} on the member that owns it, from the clear
 * prefix of the encoded value ({@link GridValue}): anti-entropy compares revisions without moving or
 * opening values, and fetches only the entries that differ. Runs on every member, so it must stay
 * cheap and must not throw; a value it cannot read yields a summary with revision -1 (fetched, and
 * rejected or healed by the full comparison).
 */
final class RevisionProjection implements Projection<Map.Entry<String, String>, String> {

    @Serial
    private static final long serialVersionUID = 1L;

    /** One entry's summary. */
    record Summary(String key, long revision, String keyId) {
    }

    @Override
    public String transform(Map.Entry<String, String> entry) {
        String v = entry.getValue();
        long revision = GridValue.revisionOf(v);
        String keyId = v == null ? "" : GridValue.keyIdOf(v);
        // the key last, so that it may contain any character
        return revision + "|" + keyId + "|" + entry.getKey();
    }

    /** The summary of a projected row, or null when malformed. */
    static Summary parse(String row) {
        int a = row.indexOf('|');
        int b = a < 0 ? -1 : row.indexOf('|', a + 1);
        if (b < 0) {
            return null;
        }
        try {
            return new Summary(row.substring(b + 1), Long.parseLong(row.substring(0, a)), row.substring(a + 1, b));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
