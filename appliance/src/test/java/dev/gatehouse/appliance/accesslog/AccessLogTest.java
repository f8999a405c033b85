package dev.gatehouse.appliance.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.tls.observe.HandshakeRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A sink that holds every write until released, as a stalled disk would. */
    private static final class StalledSink extends LogSink {
        final CountDownLatch release = new CountDownLatch(1);
        final ByteArrayOutputStream written = new ByteArrayOutputStream();

        @Override
        void write(byte[] lines, int len) throws IOException {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (written) {
                written.write(lines, 0, len);
            }
        }

        @Override
        void reopen() {
        }

        @Override
        String describe() {
            return "stalled";
        }

        @Override
        public void close() {
        }

        List<String> lines() {
            synchronized (written) {
                return new String(written.toByteArray(), StandardCharsets.UTF_8).lines().toList();
            }
        }
    }

    @Test
    void dropsAndCountsRecordsWhenTheQueueIsFullWithoutEverBlocking() {
        StalledSink sink = new StalledSink();
        AccessLog log = new AccessLog(Records.settings(64, 1, 100), "n", id -> null, sink).startForTest();
        int n = 5_000;
        // the writer is stuck in its first write: the queue fills, and the event loop must not notice
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (int i = 0; i < n; i++) {
                log.onRequest(Records.request("r" + i));
            }
        });
        assertThat(log.droppedRecords()).isGreaterThanOrEqualTo(n - 64 - 512L);
        sink.release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> log.writtenLines() + log.droppedRecords() == n);
        log.close();
        assertThat(sink.lines()).hasSize((int) log.writtenLines());
        assertThat(log.writtenLines()).isPositive();
    }

    @Test
    void logsRefusedHandshakesSampledAndCappedPerSecondButNotCompletedOnes() {
        StalledSink sink = new StalledSink();
        sink.release.countDown();
        AccessLog sampled = new AccessLog(Records.settings(1024, 3, 1000), "n", id -> null, sink).startForTest();
        for (int i = 0; i < 9; i++) {
            sampled.onHandshake(Records.refused("s" + i + ".example"));
        }
        sampled.onHandshake(new HandshakeRecord(0, null, "ok.example", "crt", "full", "TLSv1.3", "c", null, 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> sampled.writtenLines() == 3);
        sampled.close();
        assertThat(sampled.suppressedHandshakes()).isEqualTo(6);
        assertThat(sink.lines()).extracting(l -> JSON.readTree(l).get("sni").asText())
                .containsExactly("s0.example", "s3.example", "s6.example");

        AccessLog capped = new AccessLog(Records.settings(1024, 1, 5), "n", id -> null, sink).startForTest();
        for (int i = 0; i < 100; i++) {
            capped.onHandshake(Records.refused("flood.example"));
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> capped.writtenLines() + capped.suppressedHandshakes() == 100);
        capped.close();
        assertThat(capped.writtenLines()).as("5 a second, the loop may straddle a second").isBetween(5L, 10L);

        AccessLog none = new AccessLog(Records.settings(1024, 0, 5), "n", id -> null, sink).startForTest();
        none.onHandshake(Records.refused("x.example"));
        none.close();
        assertThat(none.writtenLines()).isZero();
        assertThat(none.suppressedHandshakes()).isEqualTo(1);
    }

    private static GatehouseConfig.AccessLog fileSettings(Path file) {
        return new GatehouseConfig.AccessLog(true, file.toString(), List.of(), false, 1, 100, 65_536);
    }

    private static Map<String, Integer> requestIds(Path... files) throws IOException {
        Map<String, Integer> seen = new HashMap<>();
        for (Path f : files) {
            if (!Files.exists(f)) {
                continue;
            }
            String text = Files.readString(f);
            assertThat(text.isEmpty() || text.endsWith("\n")).as("%s ends with a whole line", f).isTrue();
            for (String l : text.lines().toList()) {
                seen.merge(JSON.readTree(l).get("requestId").asText(), 1, Integer::sum);
            }
        }
        return seen;
    }

    @Test
    void reopenAfterAMoveLosesAndDoublesNothingWhileRequestsKeepComing() throws Exception {
        Path file = dir.resolve("logs/access.log");
        AccessLog log = AccessLog.start(fileSettings(file), "n", id -> null);
        int n = 20_000;
        // requests keep coming until the three rotations are done (and at least n of them): a writer
        // faster than a fixed burst would otherwise leave the file empty before the second rotation.
        // Paced at ~200 per ms so that the bounded queue never fills; bounded at 5,000,000 records.
        java.util.concurrent.atomic.AtomicBoolean rotating = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger produced = new java.util.concurrent.atomic.AtomicInteger();
        Thread producer = new Thread(() -> {
            for (int i = 0; (i < n || rotating.get()) && i < 5_000_000; i++) {
                log.onRequest(Records.request("r" + i));
                produced.incrementAndGet();
                if (i % 200 == 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
            }
        });
        producer.start();
        List<Path> rotated = new ArrayList<>();
        for (int k = 1; k <= 3; k++) {
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file) && Files.size(file) > 0);
            Path moved = dir.resolve("logs/access.log." + k);
            Files.move(file, moved); // logrotate: rename, then tell the process
            rotated.add(moved);
            log.reopen().get(10, TimeUnit.SECONDS);
        }
        rotating.set(false);
        producer.join();
        int total = produced.get();
        assertThat(total).isGreaterThanOrEqualTo(n);
        await().atMost(Duration.ofSeconds(10)).until(() -> log.writtenLines() + log.droppedRecords() == total);
        log.close();
        assertThat(log.droppedRecords()).isZero();
        assertThat(log.reopens()).isEqualTo(3);
        rotated.add(file);
        Map<String, Integer> ids = requestIds(rotated.toArray(Path[]::new));
        assertThat(ids).hasSize(total);
        assertThat(ids.values()).allMatch(c -> c == 1);
    }

    @Test
    void keepsWritingToTheOldFileWhenThePathCannotBeOpenedAgain() throws Exception {
        Path file = dir.resolve("access.log");
        AccessLog log = AccessLog.start(fileSettings(file), "n", id -> null);
        log.onRequest(Records.request("before"));
        await().atMost(Duration.ofSeconds(5)).until(() -> log.writtenLines() == 1);
        Path moved = dir.resolve("access.log.1");
        Files.move(file, moved);
        Files.createDirectory(file); // the path is now a directory: it cannot be opened for append
        assertThatThrownBy(() -> log.reopen().get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThatThrownBy(log::reopenAndWait).isInstanceOf(java.io.UncheckedIOException.class);
        log.onRequest(Records.request("after"));
        await().atMost(Duration.ofSeconds(5)).until(() -> log.writtenLines() == 2);
        log.close();
        assertThat(requestIds(moved)).containsOnlyKeys("before", "after");
    }

    @Test
    void writesWhatIsQueuedOnCloseAndDropsWhatComesAfter() throws Exception {
        Path file = dir.resolve("access.log");
        AccessLog log = AccessLog.start(fileSettings(file), "n", id -> null);
        for (int i = 0; i < 1000; i++) {
            log.onRequest(Records.request("r" + i));
        }
        log.close();
        log.onRequest(Records.request("late"));
        assertThat(requestIds(file)).hasSize(1000);
        assertThat(log.droppedRecords()).isEqualTo(1);
        assertThat(log.state()).containsEntry("writtenLines", 1000L).containsEntry("destination", file.toString());
    }

    @Test
    void stateHasExactlyTheFieldsTheOpenApiDocumentDescribes() throws Exception {
        AccessLog log = AccessLog.start(fileSettings(dir.resolve("access.log")), "n", id -> null);
        log.close();
        com.fasterxml.jackson.databind.JsonNode schema = dev.gatehouse.appliance.console.OpenApi.document()
                .at("/components/schemas/AccessLogState");
        List<String> properties = new ArrayList<>();
        schema.path("properties").fieldNames().forEachRemaining(properties::add);
        List<String> required = new ArrayList<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        assertThat(properties).containsExactlyInAnyOrderElementsOf(log.state().keySet());
        assertThat(required).containsExactlyInAnyOrderElementsOf(log.state().keySet());
    }
}
