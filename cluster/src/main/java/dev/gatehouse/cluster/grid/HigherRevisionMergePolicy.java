package dev.gatehouse.cluster.grid;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * After a split brain heals, each key keeps the entry with the higher revision (hybrid logical
 * clock), whichever side it came from; a tombstone with a higher revision beats a live entry.
 * Hazelcast runs this on the merging member; it needs no key (the revision is in clear).
 */
public final class HigherRevisionMergePolicy
        implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object>, DataSerializable {

    @Override
    public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
        if (existing == null) {
            return merging.getRawValue();
        }
        Object m = merging.getDeserializedValue();
        Object e = existing.getDeserializedValue();
        if (m == null) {
            return existing.getRawValue();
        }
        return GridValue.revisionOf(m) > GridValue.revisionOf(e) ? merging.getRawValue() : existing.getRawValue();
    }

    @Override
    public void writeData(ObjectDataOutput out) {
        // stateless
    }

    @Override
    public void readData(ObjectDataInput in) {
        // stateless
    }
}
