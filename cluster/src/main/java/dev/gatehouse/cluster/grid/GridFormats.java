package dev.gatehouse.cluster.grid;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import java.util.Arrays;
import java.util.Set;

/**
 * Which grid value format a node may write: the newest one that every member of the grid reads.
 *
 * <p>Each member says which formats it reads in a Hazelcast member attribute, set when its grid
 * starts. A release before this one sets none and reads only {@link GridValue.Format#V1}; so during a
 * rolling upgrade, while any such member is in the grid, every node keeps writing V1, and once the
 * last one has left, writes are V2. Values already written keep their format until they are
 * written again (a renewal, an edit, a re-seal): both are read.
 *
 * <p>What this does not cover: a member of the older release that joins <em>after</em> V2 values were
 * written (a downgrade) cannot open them; it counts them as rejected grid entries (the
 * {@code GatehouseGridEntriesRejected} alert) and serves what its own snapshot holds, and writes go
 * back to V1 while it is a member. Downgrades are not part of the version-skew policy.
 */
final class GridFormats {

    /** The member attribute: the prefixes of the formats the member reads, comma-separated. */
    static final String ATTRIBUTE = "gatehouse.grid.reads";
    static final String READS = String.join(",", Arrays.stream(GridValue.Format.values())
            .map(GridValue.Format::prefix).toList());

    private GridFormats() {
    }

    /** Makes the member say which formats it reads. */
    static void advertise(Config c) {
        c.getMemberAttributeConfig().setAttribute(ATTRIBUTE, READS);
    }

    /** The format to write now: V2 when every member reads it (a member list is a local snapshot: cheap). */
    static GridValue.Format writable(HazelcastInstance hz) {
        Set<Member> members = hz.getCluster().getMembers();
        for (Member m : members) {
            if (!reads(m.getAttribute(ATTRIBUTE), GridValue.Format.V2)) {
                return GridValue.Format.V1;
            }
        }
        return GridValue.Format.V2;
    }

    static boolean reads(String attribute, GridValue.Format format) {
        if (attribute == null) {
            return format == GridValue.Format.V1;
        }
        for (String p : attribute.split(",")) {
            if (p.trim().equals(format.prefix())) {
                return true;
            }
        }
        return false;
    }
}
