package dev.gatehouse.cluster.grid;

import com.hazelcast.map.EntryProcessor;
import java.io.Serial;
import java.util.Map;

/**
 * Writes a grid value only when its revision is higher than the one in place, atomically on the
 * partition owner: two nodes writing the same object concurrently converge on the higher revision.
 */
record RevisionGuard(String value) implements EntryProcessor<String, String, Boolean> {

    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
        if (GridValue.revisionOf(entry.getValue()) >= GridValue.revisionOf(value)) {
            return false;
        }
        entry.setValue(value);
        return true;
    }
}
