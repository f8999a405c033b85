package dev.gatehouse.cluster.store;

import static dev.gatehouse.cluster.testing.StoreListeners.certificateChanges;
import static dev.gatehouse.cluster.testing.StoreListeners.onOcspChanged;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoreTest {

    private final Sealer sealer = Sealer.of(new byte[32]);

    private CertificateRecord cert(FileStore s, String id, String name) {
        long rev = s.nextRevision();
        List<String> names = List.of(name);
        return new CertificateRecord(id, "t", names, rev, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
                sealer.seal("key".getBytes(StandardCharsets.US_ASCII), CertificateRecord.keyAad(id, names, rev)),
                "ECDSA-P-256", 0, 1, "ff", "CN=x", "1", false, 0, 0);
    }

    /** Opens the store in {@code dir} with a listener adding its certificate changes to {@code heard}. */
    private FileStore openRecordingCertificateChanges(Path dir, List<String> heard) throws Exception {
        FileStore s = FileStore.open(dir, sealer);
        s.addListener(certificateChanges(heard));
        return s;
    }

    @Test
    void persistsEveryKindAndNotifiesListeners(@TempDir Path dir) throws Exception {
        List<String> events = new ArrayList<>();
        try (FileStore s = openRecordingCertificateChanges(dir, events)) {
            s.put(RecordKinds.CERTIFICATES, cert(s, "c1", "a.test"));
            s.put(RecordKinds.CERTIFICATES, cert(s, "c2", "b.test"));
            assertThat(s.remove(RecordKinds.CERTIFICATES, "c2")).isTrue();
            assertThat(s.remove(RecordKinds.CERTIFICATES, "c2")).isFalse();
            s.put(RecordKinds.TENANTS, new TenantRecord("t", "T", List.of("*.test"), s.nextRevision(), 0));
            s.put(RecordKinds.TOKENS, new TokenRecord("k", "hash", "admin", "", 0, false, s.nextRevision(), 0));
            s.put(RecordKinds.POOLS, new PoolRecord("p", List.of("127.0.0.1:1"), "round-robin", null, s.nextRevision()));
            s.put(RecordKinds.ROUTES, new RouteRecord("*.test", "p", s.nextRevision()));
        }
        assertThat(events).containsExactly("put c1", "put c2", "rm c2");
        try (FileStore again = FileStore.open(dir, sealer)) {
            assertThat(again.certificates()).extracting(CertificateRecord::id).containsExactly("c1");
            assertThat(again.tenant("t")).isPresent();
            assertThat(again.record(RecordKinds.TOKENS, "k")).isPresent();
            assertThat(again.pools()).hasSize(1);
            assertThat(again.records(RecordKinds.ROUTES)).extracting(RouteRecord::host).containsExactly("*.test");
            assertThat(again.loadProblems()).isEmpty();
        }
    }

    @Test
    void persistsOcspStateAndAnnouncesItsChanges(@TempDir Path dir) throws Exception {
        List<String> events = new ArrayList<>();
        try (FileStore s = FileStore.open(dir, sealer)) {
            s.addListener(onOcspChanged(events::add));
            s.put(RecordKinds.OCSP_RESPONSES, new OcspResponseRecord("c1", "ff", "http://ocsp.test/", "MAMKAQA=", 1, 2, 1, 0, null,
                    1, 2, s.nextRevision()));
            s.put(RecordKinds.OCSP_RESPONSES, new OcspResponseRecord("c2", "ee", "http://ocsp.test/", null, 0, 0, 0, 3, "refused",
                    1, 2, s.nextRevision()));
            assertThat(s.remove(RecordKinds.OCSP_RESPONSES, "c2")).isTrue();
            assertThat(s.remove(RecordKinds.OCSP_RESPONSES, "c2")).isFalse();
        }
        assertThat(events).containsExactly("c1", "c2", "c2");
        try (FileStore again = FileStore.open(dir, sealer)) {
            assertThat(again.records(RecordKinds.OCSP_RESPONSES)).extracting(OcspResponseRecord::certificate).containsExactly("c1");
            assertThat(again.record(RecordKinds.OCSP_RESPONSES, "c1").orElseThrow().response()).isEqualTo("MAMKAQA=");
            assertThat(again.loadProblems()).isEmpty();
        }
    }

    @Test
    void revisionsStayAheadOfEverythingLoaded(@TempDir Path dir) throws Exception {
        long written;
        try (FileStore s = FileStore.open(dir, sealer)) {
            CertificateRecord far = new CertificateRecord("c", "t", List.of("a.test"), Long.MAX_VALUE / 2, "x",
                    sealer.seal(new byte[1], CertificateRecord.keyAad("c", List.of("a.test"), Long.MAX_VALUE / 2)),
                    "ECDSA-P-256", 0, 1, "f", "i", "1", false, 0, 0);
            s.put(RecordKinds.CERTIFICATES, far);
            written = far.revision();
        }
        try (FileStore again = FileStore.open(dir, sealer)) {
            assertThat(again.nextRevision()).isGreaterThan(written);
        }
    }

    @Test
    void dropsLeftOverTemporaryFilesOfAnInterruptedWrite(@TempDir Path dir) throws Exception {
        try (FileStore s = FileStore.open(dir, sealer)) {
            s.put(RecordKinds.CERTIFICATES, cert(s, "c1", "a.test"));
        }
        Path half = dir.resolve("store/certificates/.6331.json.tmp-1234");
        Files.writeString(half, "{\"id\":\"c9\", \"ten");
        try (FileStore again = FileStore.open(dir, sealer)) {
            assertThat(again.certificates()).hasSize(1);
            assertThat(again.loadProblems()).isEmpty();
        }
        try (Stream<Path> files = Files.list(dir.resolve("store/certificates"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
        }
    }

    @Test
    void rejectsAnEntryWhoseKeyWasSealedForAnotherRecord(@TempDir Path dir) throws Exception {
        try (FileStore s = FileStore.open(dir, sealer)) {
            CertificateRecord a = cert(s, "a", "a.test");
            CertificateRecord b = cert(s, "b", "b.test");
            s.put(RecordKinds.CERTIFICATES, a);
            // b carries a's sealed key: copied, not sealed for b
            s.put(RecordKinds.CERTIFICATES, new CertificateRecord("b", "t", b.names(), b.revision(), b.chainPem(), a.sealedKey(),
                    b.keyType(), 0, 1, "f", "i", "1", false, 0, 0));
        }
        try (FileStore again = FileStore.open(dir, sealer)) {
            assertThat(again.certificates()).extracting(CertificateRecord::id).containsExactly("a");
            assertThat(again.loadProblems()).singleElement().satisfies(p -> assertThat(p.reason()).contains("certificate b"));
        }
    }

    @Test
    void persistsAcmeKindsWithTombstonesAndRejectsATamperedAccountKey(@TempDir Path dir) throws Exception {
        try (FileStore s = FileStore.open(dir, sealer)) {
            s.put(RecordKinds.DOMAINS, new DomainRecord("app.example.com", "t", "_gatehouse-challenge.app.example.com", "v",
                    DomainRecord.PENDING, null, List.of(), 0, 0, 0, 0, 0, s.nextRevision(), null));
            s.put(RecordKinds.CHALLENGES, new ChallengeRecord("tok", "tok.thumb", "app.example.com", 0, s.nextRevision()));
            s.put(RecordKinds.MANAGED, new ManagedCertificateRecord("app.example.com", "t", "crt_1",
                    ManagedCertificateRecord.PENDING, null, null, 0, 0, 0, 0, null, null, 0, 0, 0, s.nextRevision()));
            String aad = AcmeAccountRecord.keyAad("acct_1", "https://ca/dir");
            s.put(RecordKinds.ACME_ACCOUNTS, new AcmeAccountRecord("acct_1", "https://ca/dir", "https://ca/acct/1",
                    sealer.seal("k".getBytes(StandardCharsets.US_ASCII), aad), "pub", 0, s.nextRevision()));
            s.put(RecordKinds.ACME_ACCOUNTS, new AcmeAccountRecord("acct_2", "https://other/dir", "https://other/acct/1",
                    sealer.seal("k".getBytes(StandardCharsets.US_ASCII), aad), "pub", 0, s.nextRevision()));
            assertThat(s.remove(RecordKinds.CHALLENGES, "tok")).isTrue();
            assertThat(s.remove(RecordKinds.CHALLENGES, "tok")).isFalse();
        }
        try (FileStore again = FileStore.open(dir, sealer)) {
            assertThat(again.record(RecordKinds.DOMAINS, "app.example.com@t")).get().extracting(DomainRecord::txtValue).isEqualTo("v");
            assertThat(again.record(RecordKinds.CHALLENGES, "tok")).isEmpty();
            assertThat(again.record(RecordKinds.MANAGED, "app.example.com")).isPresent();
            assertThat(again.record(RecordKinds.ACME_ACCOUNTS, "acct_1")).isPresent();
            // sealed under another record's associated data: refused like a moved certificate key
            assertThat(again.record(RecordKinds.ACME_ACCOUNTS, "acct_2")).isEmpty();
            assertThat(again.loadProblems()).singleElement().satisfies(p ->
                    assertThat(p.reason()).contains("ACME account acct_2"));
        }
    }

    private static long tombstoneFiles(Path dir, String kind) throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("store/tombstones").resolve(kind))) {
            return files.count();
        }
    }

    @Test
    void tombstonesExpireAtRuntimeAfterTheirLifetime(@TempDir Path dir) throws Exception {
        dev.gatehouse.cluster.testing.MutableClock clock = new dev.gatehouse.cluster.testing.MutableClock();
        try (FileStore s = FileStore.open(dir, sealer, clock, java.time.Duration.ofDays(7))) {
            s.put(RecordKinds.CERTIFICATES, cert(s, "c1", "a.test"));
            s.put(RecordKinds.CERTIFICATES, cert(s, "c2", "b.test"));
            assertThat(s.remove(RecordKinds.CERTIFICATES, "c1")).isTrue();
            clock.advance(java.time.Duration.ofDays(3));
            assertThat(s.remove(RecordKinds.CERTIFICATES, "c2")).isTrue();
            clock.advance(java.time.Duration.ofDays(4).plusMinutes(1)); // c1's delete is now 7 days old, c2's 4
            assertThat(s.pruneTombstones()).isEqualTo(java.util.Map.of(Records.CERTIFICATES, 1));
            assertThat(s.keys(Records.CERTIFICATES)).containsExactly("c2");
            assertThat(tombstoneFiles(dir, Records.CERTIFICATES)).isOne();
            clock.advance(java.time.Duration.ofDays(3));
            assertThat(s.pruneTombstones()).isEqualTo(java.util.Map.of(Records.CERTIFICATES, 1));
            assertThat(s.keys(Records.CERTIFICATES)).isEmpty();
            assertThat(tombstoneFiles(dir, Records.CERTIFICATES)).isZero();
        }
    }

    @Test
    void aReplicatedDeleteOlderThanTheLifetimeLeavesNoTombstone(@TempDir Path dir) throws Exception {
        dev.gatehouse.cluster.testing.MutableClock clock = new dev.gatehouse.cluster.testing.MutableClock();
        try (FileStore s = FileStore.open(dir, sealer, clock, java.time.Duration.ofDays(7))) {
            long old = s.nextRevision();
            clock.advance(java.time.Duration.ofDays(8));
            assertThat(s.applyReplicated(Records.CERTIFICATES, "gone", old, null)).isFalse();
            assertThat(s.revisionOf(Records.CERTIFICATES, "gone")).isEqualTo(-1);
            // but an old delete still removes an older live copy
            s.put(RecordKinds.CERTIFICATES, cert(s, "c1", "a.test"));
            long newer = s.nextRevision();
            clock.advance(java.time.Duration.ofDays(8));
            assertThat(s.applyReplicated(Records.CERTIFICATES, "c1", newer, null)).isTrue();
            assertThat(s.record(RecordKinds.CERTIFICATES, "c1")).isEmpty();
        }
    }

    @Test
    void remembersWhenItLastSyncedAndFallsBackToItsNewestWrite(@TempDir Path dir) throws Exception {
        dev.gatehouse.cluster.testing.MutableClock clock = new dev.gatehouse.cluster.testing.MutableClock();
        long wrote;
        try (FileStore s = FileStore.open(dir, sealer, clock, java.time.Duration.ofDays(7))) {
            assertThat(s.syncedAt()).isEqualTo(-1);
            s.put(RecordKinds.CERTIFICATES, cert(s, "c1", "a.test"));
            wrote = clock.millis();
        }
        clock.advance(java.time.Duration.ofDays(1));
        try (FileStore s = FileStore.open(dir, sealer, clock, java.time.Duration.ofDays(7))) {
            assertThat(s.syncedAt()).as("a snapshot that never synced: as of its newest write").isEqualTo(wrote);
            s.markSynced(clock.millis());
        }
        try (FileStore s = FileStore.open(dir, sealer, clock, java.time.Duration.ofDays(7))) {
            assertThat(s.syncedAt()).isEqualTo(clock.millis());
        }
    }

    @Test
    void adoptingTheClusterStateDropsALocalRecordWithoutATombstone(@TempDir Path dir) throws Exception {
        List<String> heard = new ArrayList<>();
        try (FileStore s = openRecordingCertificateChanges(dir, heard)) {
            s.put(RecordKinds.CERTIFICATES, cert(s, "c1", "a.test"));
            s.adopt(Records.CERTIFICATES, "c1", -1, null);
            assertThat(s.record(RecordKinds.CERTIFICATES, "c1")).isEmpty();
            assertThat(s.keys(Records.CERTIFICATES)).isEmpty();
            assertThat(heard).containsExactly("put c1", "rm c1");
        }
        try (FileStore again = FileStore.open(dir, sealer)) {
            assertThat(again.record(RecordKinds.CERTIFICATES, "c1")).isEmpty();
        }
    }

    /**
     * A listener that hands a write to another thread and waits for it: under the store's lock (as
     * listeners used to run) the other thread blocks on that lock and neither finishes.
     */
    @Test
    void listenerWaitingForAWriteOnAnotherThreadDoesNotDeadlock(@TempDir Path dir) throws Exception {
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> seenByOther = new ArrayList<>();
        try (FileStore s = FileStore.open(dir, sealer)) {
            s.addListener(new StoreListener() {
                @Override
                public void certificatePut(CertificateRecord r) {
                    events.add("put " + r.id());
                    if (!r.id().equals("c1")) {
                        return;
                    }
                    try {
                        other.submit(() -> {
                            // what the event announces is already there for any thread to read
                            seenByOther.add(s.record(RecordKinds.CERTIFICATES, "c1").map(CertificateRecord::id).orElse("stale"));
                            s.put(RecordKinds.CERTIFICATES, cert(s, "c2", "b.test"));
                            return null;
                        }).get(20, java.util.concurrent.TimeUnit.SECONDS);
                        events.add("c2 written");
                    } catch (Exception e) {
                        events.add("failed: " + e);
                    }
                }
            });
            s.put(RecordKinds.CERTIFICATES, cert(s, "c1", "a.test"));
            assertThat(seenByOther).containsExactly("c1");
            // c2's event is delivered by the thread delivering c1's, after c1's listener returned
            assertThat(events).containsExactly("put c1", "c2 written", "put c2");
            assertThat(s.record(RecordKinds.CERTIFICATES, "c2")).isPresent();
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void aWriteReturningWhileAnotherThreadDeliversIsAwaitedUntilItsListenersRan(@TempDir Path dir) throws Exception {
        java.util.concurrent.CountDownLatch inFirst = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> heard = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.ExecutorService first = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (FileStore s = FileStore.open(dir, sealer)) {
            s.addListener(new StoreListener() {
                @Override
                public void certificatePut(CertificateRecord r) {
                    heard.add(r.id());
                    if (r.id().equals("c1")) {
                        inFirst.countDown();
                        try {
                            release.await(20, java.util.concurrent.TimeUnit.SECONDS); // a slow listener (the engine)
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            });
            java.util.concurrent.Future<?> one = first.submit(() -> {
                s.put(RecordKinds.CERTIFICATES, cert(s, "c1", "a.test"));
                return null;
            });
            assertThat(inFirst.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            // this thread's write is stored and returns at once: the thread delivering c1 delivers it next
            s.put(RecordKinds.CERTIFICATES, cert(s, "c2", "b.test"));
            assertThat(s.record(RecordKinds.CERTIFICATES, "c2")).isPresent();
            assertThat(heard).containsExactly("c1");
            assertThat(s.changesQueued()).isEqualTo(1);
            assertThat(s.awaitChangesDelivered(java.time.Duration.ofMillis(200))).isFalse();

            release.countDown();
            assertThat(s.awaitChangesDelivered(java.time.Duration.ofSeconds(20))).isTrue();
            assertThat(heard).containsExactly("c1", "c2");
            assertThat(s.changesQueued()).isZero();
            one.get(20, java.util.concurrent.TimeUnit.SECONDS);
            // nothing delivering, nothing queued: returns at once
            assertThat(s.awaitChangesDelivered(java.time.Duration.ZERO)).isTrue();
        } finally {
            release.countDown();
            first.shutdownNow();
        }
    }

    @Test
    void awaitingDeliveryFromAListenerIsRefusedByName(@TempDir Path dir) throws Exception {
        List<String> refused = new ArrayList<>();
        try (FileStore s = FileStore.open(dir, sealer)) {
            s.addListener(new StoreListener() {
                @Override
                public void certificatePut(CertificateRecord r) {
                    try {
                        s.awaitChangesDelivered(java.time.Duration.ofSeconds(1));
                        refused.add("waited");
                    } catch (IllegalStateException e) {
                        refused.add(e.getMessage());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            s.put(RecordKinds.CERTIFICATES, cert(s, "c1", "a.test"));
            assertThat(refused).containsExactly("awaitIdle called from a store listener");
        }
    }

    @Test
    void listenerWritingTheSameKeyAgainHearsTheWritesInOrder(@TempDir Path dir) throws Exception {
        List<Long> heard = new ArrayList<>();
        List<Long> storedWhenHeard = new ArrayList<>();
        try (FileStore s = FileStore.open(dir, sealer)) {
            s.addListener(new StoreListener() {
                @Override
                public void certificatePut(CertificateRecord r) {
                    heard.add(r.revision());
                    storedWhenHeard.add(s.record(RecordKinds.CERTIFICATES, "c1").orElseThrow().revision());
                    if (heard.size() == 1) {
                        try {
                            s.put(RecordKinds.CERTIFICATES, cert(s, "c1", "a.test")); // from inside the listener, same key
                        } catch (StoreException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            });
            CertificateRecord first = cert(s, "c1", "a.test");
            s.put(RecordKinds.CERTIFICATES, first);
            assertThat(heard).hasSize(2);
            assertThat(heard.get(0)).isEqualTo(first.revision());
            assertThat(heard.get(1)).isGreaterThan(first.revision());
            assertThat(s.record(RecordKinds.CERTIFICATES, "c1").orElseThrow().revision()).isEqualTo(heard.get(1));
            // the second write was made (and stored) while the first event was being heard
            assertThat(storedWhenHeard).containsExactly(first.revision(), heard.get(1));
        }
    }

    @Test
    void everyKindIsRegisteredOnceWithADirectoryOfItsName() {
        assertThat(RecordKinds.NAMES).doesNotHaveDuplicates().containsExactlyElementsOf(FileStore.KINDS);
        for (RecordKind<?> k : RecordKinds.ALL) {
            assertThat(RecordKinds.of(k.name())).isSameAs(k);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RecordKinds.of("nope"))
                .hasMessageContaining("kind: nope");
    }
}
