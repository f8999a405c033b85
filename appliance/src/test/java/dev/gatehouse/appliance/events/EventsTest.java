package dev.gatehouse.appliance.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cluster.store.EventRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Sealer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event log over a real file store: the cursor across restarts, once-only facts. */
class EventsTest {

    @TempDir
    Path dir;

    private FileStore open() throws Exception {
        return FileStore.open(dir, Sealer.of(Sealer.loadOrCreateKeyFile(dir.resolve("master.key"))));
    }

    @Test
    void theCursorKeepsIncreasingAcrossARestartAndEventsAreKept() throws Exception {
        long last;
        try (FileStore store = open()) {
            Events events = new Events(store, "n1", Clock.systemUTC(), Events.Settings.defaults());
            for (int i = 0; i < 3; i++) {
                events.emit(EventTypes.DOMAIN_VERIFIED, "acme", "d" + i, Map.of("name", "d" + i));
            }
            last = events.highWater();
        }
        try (FileStore store = open()) {
            Events events = new Events(store, "n1", Clock.systemUTC(), Events.Settings.defaults());
            assertThat(events.highWater()).isEqualTo(last);
            events.emit(EventTypes.DOMAIN_FAILED, "acme", "d9", Map.of());
            List<EventRecord> all = store.events().stream().sorted(Comparator.comparingLong(EventRecord::seq)).toList();
            assertThat(all).extracting(EventRecord::subject).containsExactly("d0", "d1", "d2", "d9");
            assertThat(all.get(3).seq()).isGreaterThan(last);
            assertThat(all.get(0).data()).containsEntry("name", "d0");
            assertThat(events.after(0, 10, e -> true).items()).hasSize(4);
        }
    }

    @Test
    void aFactReportedTwiceIsStoredOnce() throws Exception {
        try (FileStore store = open()) {
            Events a = new Events(store, "n1", Clock.systemUTC(), Events.Settings.defaults());
            Events b = new Events(store, "n2", Clock.systemUTC(), Events.Settings.defaults());
            a.emitOnce("view-3|node2", EventTypes.NODE_LEFT, null, "node2", Map.of("node", "node2"));
            b.emitOnce("view-3|node2", EventTypes.NODE_LEFT, null, "node2", Map.of("node", "node2"));
            a.emitOnce("view-4|node2", EventTypes.NODE_JOINED, null, "node2", Map.of("node", "node2"));
            assertThat(store.events()).extracting(EventRecord::type).containsExactlyInAnyOrder("node.left",
                    "node.joined");
        }
    }
}
