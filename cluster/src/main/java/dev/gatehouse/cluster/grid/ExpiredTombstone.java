package dev.gatehouse.cluster.grid;

import com.hazelcast.query.Predicate;
import dev.gatehouse.cluster.store.HybridClock;
import java.io.Serial;
import java.util.Map;

/**
 * Matches grid tombstones whose delete is older than a cutoff (epoch ms); evaluated on the partition
 * owners, on the clear revision and tombstone flag only (no key needed). A value rewritten since
 * (a live record at a higher revision) no longer matches.
 */
record ExpiredTombstone(long cutoffMillis) implements Predicate<String, String> {

    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public boolean apply(Map.Entry<String, String> entry) {
        return isExpiredTombstone(entry.getValue(), cutoffMillis);
    }

    static boolean isExpiredTombstone(String encoded, long cutoffMillis) {
        if (encoded == null) {
            return false;
        }
        String[] f = encoded.split("\\|", 4);
        if (f.length < 4 || !"1".equals(f[2])) {
            return false;
        }
        long revision = GridValue.revisionOf(encoded);
        return revision >= 0 && HybridClock.millis(revision) < cutoffMillis;
    }
}
