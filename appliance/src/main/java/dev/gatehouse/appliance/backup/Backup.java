package dev.gatehouse.appliance.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.FileStoreAccess;
import dev.gatehouse.cluster.store.Records;
import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.SealedValue;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.StoreException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A node's store as one sealed file: every live record of every kind (certificates with their keys
 * still sealed, tenants, tokens as hashes, domains, pools, routes, ACME state) with its revision,
 * gzipped and sealed as a whole with AES-256-GCM under the node's sealing key (the cluster key in a
 * cluster, else the node's {@code master.key}). The header (format, time, node, key id, counts per
 * kind) is plain JSON and bound to the sealed body as associated data, so any changed byte, in the
 * header or the body, makes the file refuse to open.
 *
 * <p>Restoring applies each record by revision, newer wins, exactly as replication does: a record
 * the data directory (or, once the node rejoins, the cluster) holds newer stays. Deletes are not in a
 * backup, so a record deleted after the backup was taken comes back unless its tombstone is still
 * remembered somewhere; a backup older than the tombstone lifetime is therefore refused unless forced.
 */
public final class Backup {

    static final String FORMAT = "gatehouse-backup";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.ALWAYS)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    /** One record as stored: its kind, key, revision and JSON. */
    public record Entry(String kind, String key, long revision, String json) {
    }

    /** The plain header of a backup file. */
    public record Header(String format, int version, long createdAtMillis, String node, String keyId,
            Map<String, Integer> counts) {
    }

    /** What a restore did, per kind. */
    public record Report(Map<String, Integer> restored, Map<String, Integer> keptNewer, Instant backupTime,
            String node) {
    }

    /** The envelope on disk: the header's fields and the sealed body. */
    record FileForm(String format, int version, String createdAt, long createdAtMillis, String node, String keyId,
            Map<String, Integer> counts, SealedValue body) {
    }

    private final Header header;
    private final List<Entry> entries;

    private Backup(Header header, List<Entry> entries) {
        this.header = header;
        this.entries = entries;
    }

    public Header header() {
        return header;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** The live records of {@code store} now. */
    public static Backup of(FileStore store, String node, Clock clock) {
        FileStoreAccess access = new FileStoreAccess(store);
        List<Entry> entries = new ArrayList<>();
        Map<String, Integer> counts = new TreeMap<>();
        for (String kind : FileStoreAccess.kinds()) {
            counts.put(kind, 0);
            for (String key : new java.util.TreeSet<>(access.keys(kind))) {
                String json = access.jsonOf(kind, key);
                if (json != null) {
                    entries.add(new Entry(kind, key, access.revisionOf(kind, key), json));
                    counts.merge(kind, 1, Integer::sum);
                }
            }
        }
        return new Backup(new Header(FORMAT, VERSION, clock.millis(), node, null, counts), entries);
    }

    /** Writes the sealed file (mode 0600; atomically: a temporary file moved into place). */
    public Header write(Path out, Sealer sealer) throws IOException {
        Header h = new Header(FORMAT, VERSION, header.createdAtMillis(), header.node(), sealer.sealingKeyId(),
                header.counts());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(body)) {
            JSON.writeValue(gz, entries);
        }
        SealedValue sealed = sealer.seal(body.toByteArray(), aad(h));
        FileForm form = new FileForm(h.format(), h.version(), Instant.ofEpochMilli(h.createdAtMillis()).toString(),
                h.createdAtMillis(), h.node(), h.keyId(), h.counts(), sealed);
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + out.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(form));
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return h;
    }

    /** Reads and opens a backup file: refused (naming why) when malformed, tampered or sealed with a key not loaded. */
    public static Backup read(Path file, Sealer sealer) throws BackupException {
        FileForm form;
        try {
            JsonNode tree = JSON.readTree(Files.readAllBytes(file));
            if (tree == null || !tree.isObject() || !FORMAT.equals(tree.path("format").asText())) {
                throw new BackupException(file + ": not a Gatehouse backup (expected: \"format\": \"" + FORMAT + "\")");
            }
            if (tree.path("version").asInt(-1) != VERSION) {
                throw new BackupException(file + ": backup format version " + tree.path("version")
                        + " (expected: " + VERSION + "; written by a newer release?)");
            }
            form = JSON.treeToValue(tree, FileForm.class);
        } catch (BackupException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BackupException(file + ": unreadable backup: " + e.getMessage());
        }
        if (form.body() == null || form.counts() == null || form.keyId() == null) {
            throw new BackupException(file + ": incomplete backup (expected: keyId, counts and body)");
        }
        Header h = new Header(form.format(), form.version(), form.createdAtMillis(), form.node(), form.keyId(),
                form.counts());
        if (!sealer.keyIds().contains(form.keyId())) {
            throw new BackupException(file + ": sealed with key " + form.keyId() + ", which is not loaded here (loaded: "
                    + String.join(", ", new java.util.TreeSet<>(sealer.keyIds())) + "): configure that key as "
                    + "cluster.keyFile or cluster.previousKeyFile, or restore with the master.key it was written with");
        }
        byte[] plain;
        try {
            plain = sealer.open(form.body(), aad(h));
        } catch (SealException e) {
            throw new BackupException(file + ": refused: the backup does not open with key " + form.keyId()
                    + " (changed after it was written, header or body)");
        }
        List<Entry> entries;
        try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(plain))) {
            entries = JSON.readValue(gz, new TypeReference<List<Entry>>() { });
        } catch (IOException e) {
            throw new BackupException(file + ": sealed body unreadable: " + e.getMessage());
        }
        Map<String, Integer> counted = new TreeMap<>();
        for (Entry e : entries) {
            if (!FileStoreAccess.kinds().contains(e.kind())) {
                throw new BackupException(file + ": record of unknown kind '" + e.kind() + "' (expected: one of "
                        + FileStoreAccess.kinds() + ")");
            }
            counted.merge(e.kind(), 1, Integer::sum);
        }
        for (Map.Entry<String, Integer> c : h.counts().entrySet()) {
            if (c.getValue() != counted.getOrDefault(c.getKey(), 0)) {
                throw new BackupException(file + ": " + c.getKey() + ": header says " + c.getValue() + ", body holds "
                        + counted.getOrDefault(c.getKey(), 0));
            }
        }
        return new Backup(h, entries);
    }

    /**
     * Applies the records to {@code store}, newer wins. A backup older than the store's tombstone
     * lifetime is refused unless {@code force} (records deleted since could come back). Every
     * certificate's sealed key must open with the store's keys before anything is written.
     */
    public Report restoreInto(FileStore store, Clock clock, boolean force) throws BackupException, StoreException {
        Duration age = Duration.ofMillis(clock.millis() - header.createdAtMillis());
        Duration ttl = store.tombstoneTtl();
        if (age.compareTo(ttl) > 0 && !force) {
            throw new BackupException("the backup is " + human(age) + " old, older than the tombstone lifetime ("
                    + human(ttl) + ", store.tombstoneTtl): objects deleted since it was taken may no longer be "
                    + "remembered as deleted and would come back; restore with --force to accept that (records "
                    + "newer in this node or the cluster still win)");
        }
        for (Entry e : entries) {
            if (Records.CERTIFICATES.equals(e.kind())) {
                try {
                    CertificateRecord r = JSON.readValue(e.json(), CertificateRecord.class);
                    java.util.Arrays.fill(store.sealer().open(r.sealedKey(), r.keyAad()), (byte) 0);
                } catch (SealException ex) {
                    throw new BackupException("certificate " + e.key() + ": its private key does not open with this "
                            + "node's keys (" + ex.getMessage() + "): nothing restored");
                } catch (IOException ex) {
                    throw new BackupException("certificate " + e.key() + ": unreadable record: " + ex.getMessage());
                }
            }
        }
        FileStoreAccess access = new FileStoreAccess(store);
        Map<String, Integer> restored = new LinkedHashMap<>();
        Map<String, Integer> kept = new LinkedHashMap<>();
        access.beginBulk();
        try {
            for (Entry e : entries) {
                boolean applied = access.apply(e.kind(), e.key(), e.revision(), e.json());
                (applied ? restored : kept).merge(e.kind(), 1, Integer::sum);
            }
        } finally {
            access.endBulk();
        }
        return new Report(restored, kept, Instant.ofEpochMilli(header.createdAtMillis()), header.node());
    }

    /** The header as associated data of the sealed body: a changed header does not open either. */
    private static String aad(Header h) {
        StringBuilder counts = new StringBuilder();
        new TreeMap<>(h.counts()).forEach((k, v) -> counts.append(k).append('=').append(v).append(','));
        return "gatehouse/backup/v" + h.version() + "|" + h.createdAtMillis() + "|" + h.node() + "|" + h.keyId() + "|"
                + counts;
    }

    private static String human(Duration d) {
        long days = d.toDays();
        return days >= 2 ? days + " days" : d.toHours() >= 2 ? d.toHours() + " hours" : d.toMinutes() + " minutes";
    }

    /** Written out as text for the CLI: {@code certificates=3 tenants=2 ...}. */
    public static String describe(Map<String, Integer> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> {
            if (v > 0) {
                b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v);
            }
        });
        return b.length() == 0 ? "nothing" : b.toString();
    }
}
