package dev.gatehouse.cluster.compat;

import dev.gatehouse.cluster.grid.GridValue;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.FileStoreAccess;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.RouteRecord;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.TenantRecord;
import dev.gatehouse.cluster.store.TokenRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the format fixtures of one release with that release's code: a store snapshot (the files
 * of {@code dataDir/store}) and the grid values of the same records, sealed with a fixed test key.
 * Run once per release whose formats must stay readable, and commit the output under
 * {@code src/test/resources/compat/<release>/} (never regenerate an existing one):
 * <pre>
 * mvn -q -pl cluster -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp cluster/target/test-classes:cluster/target/classes:$(cat /tmp/cp.txt) \
 *     dev.gatehouse.cluster.compat.CompatFixtures cluster/src/test/resources/compat/v2
 * </pre>
 * The formats it pins:
 * record JSON per file (unknown fields ignored on read), tombstones, {@code sync.json}, and grid values
 * {@code <format>|revision|tombstone|keyId|nonce|ciphertext} in the newest format the release writes
 * ({@link #GRID_FORMAT}: {@code v1} in the {@code v1} fixtures, {@code v2} from the {@code v2} ones on).
 */
public final class CompatFixtures {

    /** The fixtures' key: test material only, it seals nothing real. */
    static final byte[] KEY = "gatehouse-compat-fixture-key-32b".getBytes(StandardCharsets.US_ASCII);

    /** The grid value format of the fixtures this code writes: the newest one. */
    static final GridValue.Format GRID_FORMAT = GridValue.Format.V2;

    private CompatFixtures() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Sealer sealer = Sealer.of(KEY);
        try (FileStore s = FileStore.open(out, sealer)) {
            s.put(RecordKinds.TENANTS, new TenantRecord("acme", "Acme Corp", List.of(), s.nextRevision(), 1_790_000_000_000L));
            List<String> names = List.of("shop.acme.test", "*.acme.test");
            long rev = s.nextRevision();
            s.put(RecordKinds.CERTIFICATES, new CertificateRecord("crt_compat", "acme", names, rev,
                    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                    sealer.seal("private key bytes".getBytes(StandardCharsets.US_ASCII),
                            CertificateRecord.keyAad("crt_compat", names, rev)),
                    "ECDSA-P-256", 1_790_000_000_000L, 1_797_776_000_000L, "ab12", "CN=Compat CA", "0a", false,
                    1_790_000_000_000L, 1_790_000_000_000L));
            s.put(RecordKinds.TOKENS, new TokenRecord("tok_compat", "sha256:00ff", "tenant:acme", "compat token", 1_790_000_000_000L,
                    false, s.nextRevision(), 0));
            s.put(RecordKinds.DOMAINS, new DomainRecord("shop.acme.test", "acme", "_gatehouse-challenge.shop.acme.test", "v=1",
                    DomainRecord.VERIFIED, null, List.of("v=1"), 1, 1_790_000_000_000L, 0, 1_790_000_000_000L,
                    1_790_000_000_000L, s.nextRevision(), "dns"));
            s.put(RecordKinds.POOLS, new PoolRecord("app", List.of("10.0.0.5:8080", "backend.internal:8080"), "round_robin", "/healthz",
                    s.nextRevision()));
            s.put(RecordKinds.ROUTES, new RouteRecord("shop.acme.test", "app", s.nextRevision()));
            s.put(RecordKinds.ROUTES, new RouteRecord("gone.acme.test", "app", s.nextRevision()));
            s.remove(RecordKinds.ROUTES, "gone.acme.test");
            FileStoreAccess access = new FileStoreAccess(s);
            List<String> lines = new ArrayList<>();
            for (String kind : FileStoreAccess.kinds()) {
                for (String key : new java.util.TreeSet<>(access.keys(kind))) {
                    String map = dev.gatehouse.cluster.grid.MapNames.of(kind);
                    lines.add(kind + "\t" + key + "\t" + GridValue.encode(sealer, map, key, access.revisionOf(kind, key),
                            access.jsonOf(kind, key), GRID_FORMAT));
                }
            }
            Files.write(out.resolve("grid-values.tsv"), lines);
        }
    }
}
