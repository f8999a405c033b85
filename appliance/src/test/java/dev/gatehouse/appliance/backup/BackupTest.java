package dev.gatehouse.appliance.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.TenantRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupTest {

    private static final byte[] KEY = new byte[32];
    private static final byte[] OTHER = new byte[32];

    static {
        KEY[0] = 1;
        OTHER[0] = 2;
    }

    private final Sealer sealer = Sealer.of(KEY);

    @TempDir
    Path dir;

    private CertificateRecord cert(FileStore s, String id, String name) {
        List<String> names = List.of(name);
        long rev = s.nextRevision();
        return new CertificateRecord(id, "t1", names, rev, "chain",
                sealer.seal("key".getBytes(StandardCharsets.US_ASCII), CertificateRecord.keyAad(id, names, rev)),
                "ECDSA-P-256", 0, 1, "ff", "CN=x", "1", false, 0, 0);
    }

    private FileStore source() throws Exception {
        FileStore s = FileStore.open(dir.resolve("source"), sealer);
        s.put(RecordKinds.TENANTS, new TenantRecord("t1", "Tenant One", List.of(), s.nextRevision(), 0));
        s.put(RecordKinds.CERTIFICATES, cert(s, "c1", "a.test"));
        s.put(RecordKinds.CERTIFICATES, cert(s, "c2", "b.test"));
        s.put(RecordKinds.CERTIFICATES, cert(s, "gone", "c.test"));
        s.remove(RecordKinds.CERTIFICATES, "gone");
        return s;
    }

    @Test
    void roundTripRestoresEveryLiveRecordAndNotTheDeletedOnes() throws Exception {
        Path file = dir.resolve("b.json");
        try (FileStore s = source()) {
            Backup.Header h = Backup.of(s, "n1", Clock.systemUTC()).write(file, sealer);
            assertThat(h.counts()).containsEntry("certificates", 2).containsEntry("tenants", 1);
            assertThat(h.keyId()).isEqualTo(sealer.sealingKeyId());
        }
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(file)).doesNotContain("a.test").doesNotContain("Tenant One");
        try (FileStore target = FileStore.open(dir.resolve("target"), sealer)) {
            Backup.Report r = Backup.read(file, sealer).restoreInto(target, Clock.systemUTC(), false);
            assertThat(r.restored()).containsEntry("certificates", 2).containsEntry("tenants", 1);
            assertThat(target.certificates()).extracting(CertificateRecord::id).containsExactlyInAnyOrder("c1", "c2");
            assertThat(target.tenant("t1")).isPresent();
        }
        try (FileStore reopened = FileStore.open(dir.resolve("target"), sealer)) {
            assertThat(reopened.loadProblems()).isEmpty();
            assertThat(reopened.certificates()).hasSize(2);
        }
    }

    @Test
    void aRecordNewerInTheTargetIsKept() throws Exception {
        Path file = dir.resolve("b.json");
        try (FileStore s = source()) {
            Backup.of(s, "n1", Clock.systemUTC()).write(file, sealer);
        }
        try (FileStore target = FileStore.open(dir.resolve("target"), sealer)) {
            target.put(RecordKinds.TENANTS, new TenantRecord("t1", "Renamed later", List.of(), target.nextRevision(), 0));
            Backup.Report r = Backup.read(file, sealer).restoreInto(target, Clock.systemUTC(), false);
            assertThat(r.keptNewer()).containsEntry("tenants", 1);
            assertThat(target.tenant("t1").orElseThrow().displayName()).isEqualTo("Renamed later");
        }
    }

    @Test
    void anyChangedByteIsRefused() throws Exception {
        Path file = dir.resolve("b.json");
        try (FileStore s = source()) {
            Backup.of(s, "n1", Clock.systemUTC()).write(file, sealer);
        }
        String text = Files.readString(file);
        // one flipped character inside the sealed body
        int at = text.indexOf("\"ciphertext\" : \"") + 20;
        char c = text.charAt(at);
        Path body = Files.writeString(dir.resolve("body.json"),
                text.substring(0, at) + (c == 'A' ? 'B' : 'A') + text.substring(at + 1));
        assertThatThrownBy(() -> Backup.read(body, sealer)).isInstanceOf(BackupException.class)
                .hasMessageContaining("refused").hasMessageContaining("changed after it was written");
        // the header is bound too: a different count, node or time does not open
        Path header = Files.writeString(dir.resolve("header.json"),
                text.replace("\"certificates\" : 2", "\"certificates\" : 3"));
        assertThatThrownBy(() -> Backup.read(header, sealer)).hasMessageContaining("refused");
        Path node = Files.writeString(dir.resolve("node.json"), text.replace("\"node\" : \"n1\"", "\"node\" : \"n2\""));
        assertThatThrownBy(() -> Backup.read(node, sealer)).hasMessageContaining("refused");
        Path junk = Files.writeString(dir.resolve("junk.json"), "{\"format\": \"something-else\"}");
        assertThatThrownBy(() -> Backup.read(junk, sealer)).hasMessageContaining("not a Gatehouse backup");
        Path truncated = Files.writeString(dir.resolve("truncated.json"), text.substring(0, text.length() / 2));
        assertThatThrownBy(() -> Backup.read(truncated, sealer)).hasMessageContaining("unreadable backup");
    }

    @Test
    void aBackupSealedWithAKeyNotLoadedNamesThatKey() throws Exception {
        Path file = dir.resolve("b.json");
        try (FileStore s = source()) {
            Backup.of(s, "n1", Clock.systemUTC()).write(file, sealer);
        }
        assertThatThrownBy(() -> Backup.read(file, Sealer.of(OTHER))).isInstanceOf(BackupException.class)
                .hasMessageContaining("sealed with key " + sealer.sealingKeyId())
                .hasMessageContaining("cluster.previousKeyFile");
        // a rotation: the new key seals, the old one still opens
        assertThat(Backup.read(file, Sealer.of(OTHER, KEY)).entries()).hasSize(3);
    }

    @Test
    void aBackupOlderThanTheTombstoneLifetimeNeedsForce() throws Exception {
        Path file = dir.resolve("b.json");
        try (FileStore s = source()) {
            Backup.of(s, "n1", Clock.systemUTC()).write(file, sealer);
        }
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(8)), ZoneOffset.UTC);
        try (FileStore target = FileStore.open(dir.resolve("target"), sealer)) {
            Backup b = Backup.read(file, sealer);
            assertThatThrownBy(() -> b.restoreInto(target, later, false)).isInstanceOf(BackupException.class)
                    .hasMessageContaining("older than the tombstone lifetime").hasMessageContaining("--force");
            assertThat(target.certificates()).as("nothing written when refused").isEmpty();
            assertThat(b.restoreInto(target, later, true).restored()).containsEntry("certificates", 2);
        }
    }

    @Test
    void aCertificateWhoseKeyDoesNotOpenHereRestoresNothing() throws Exception {
        Path file = dir.resolve("b.json");
        Sealer both = Sealer.of(KEY, OTHER);
        try (FileStore s = FileStore.open(dir.resolve("mixed"), both)) {
            List<String> names = List.of("x.test");
            long rev = s.nextRevision();
            // the key sealed with OTHER, the backup with KEY: a target holding only KEY opens the file, not the key
            Sealer otherFirst = Sealer.of(OTHER, KEY);
            s.put(RecordKinds.CERTIFICATES, new CertificateRecord("cx", "t1", names, rev, "chain",
                    otherFirst.seal("k".getBytes(StandardCharsets.US_ASCII), CertificateRecord.keyAad("cx", names, rev)),
                    "ECDSA-P-256", 0, 1, "ff", "CN=x", "1", false, 0, 0));
            Backup.of(s, "n1", Clock.systemUTC()).write(file, both);
        }
        try (FileStore target = FileStore.open(dir.resolve("target"), sealer)) {
            assertThatThrownBy(() -> Backup.read(file, sealer).restoreInto(target, Clock.systemUTC(), false))
                    .hasMessageContaining("certificate cx").hasMessageContaining("nothing restored");
            assertThat(target.certificates()).isEmpty();
        }
    }
}
