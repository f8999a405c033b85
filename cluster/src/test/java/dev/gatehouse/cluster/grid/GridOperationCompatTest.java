package dev.gatehouse.cluster.grid;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The predicate and entry processor a node sends to the partition owners (Java serialization, by
 * Hazelcast) stay readable across a rolling upgrade (release N next to N-1). The fixtures under
 * {@code src/test/resources/compat/v1/grid/} are what the release before these records sent, when both
 * were final classes with a {@code serialVersionUID} of 1 (serialized from its classes with an
 * {@link ObjectOutputStream}; never regenerate them): this release reads them, and writes the same bytes.
 */
class GridOperationCompatTest {

    private static final Path FIXTURES = Path.of("src/test/resources/compat/v1/grid");
    private static final ExpiredTombstone EXPIRED = new ExpiredTombstone(1796136813784L);
    private static final RevisionGuard GUARD = new RevisionGuard("v1|1796136813784000|0|k1|bm9uY2U|Y2lwaGVydGV4dA");

    @Test
    void readsAnExpiredTombstonePredicateAsThePreviousReleaseSentIt() throws Exception {
        assertThat(read("expired-tombstone.ser")).isEqualTo(EXPIRED);
    }

    @Test
    void readsARevisionGuardAsThePreviousReleaseSentIt() throws Exception {
        assertThat(read("revision-guard.ser")).isEqualTo(GUARD);
    }

    @Test
    void sendsTheBytesThePreviousReleaseSent() throws Exception {
        assertThat(write(EXPIRED)).isEqualTo(Files.readAllBytes(FIXTURES.resolve("expired-tombstone.ser")));
        assertThat(write(GUARD)).isEqualTo(Files.readAllBytes(FIXTURES.resolve("revision-guard.ser")));
    }

    private static Object read(String name) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(
                Files.readAllBytes(FIXTURES.resolve(name))))) {
            return in.readObject();
        }
    }

    private static byte[] write(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }
}
