package dev.gatehouse.cluster.grid;

import static dev.gatehouse.cluster.testing.TestKeys.filled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.SealedValue;
import dev.gatehouse.cluster.store.Sealer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.Base64;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/** The two grid value formats: what each seals, what is in clear, and what is refused. */
class GridValueTest {

    private static final Sealer CLUSTER = Sealer.of(filled(7));
    private static final String MAP = MapNames.of("certificates");

    /** A certificate record's JSON with a chain of {@code derBytes} random bytes (random: the worst case for deflate). */
    private static String certificateJson(int derBytes) {
        byte[] der = new byte[derBytes];
        new Random(42).nextBytes(der);
        String pem = "-----BEGIN CERTIFICATE-----\\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                        .replace("\n", "\\n")
                + "\\n-----END CERTIFICATE-----\\n";
        return "{\"id\":\"crt_0123456789abcdef\",\"tenant\":\"acme\",\"names\":[\"shop.acme.test\"],"
                + "\"revision\":117723176211251201,\"chainPem\":\"" + pem + "\",\"sealedKey\":{\"keyId\":"
                + "\"0e4c4b19650a5eb1\",\"nonce\":\"5h7qUWaPyUfXthPQ\",\"ciphertext\":\"SFppl6vHBdWbxjI6Pu+HXLPIEI\"},"
                + "\"keyType\":\"ECDSA-P-256\",\"notBefore\":1764600000000,\"notAfter\":1795000000000,\"fingerprint\":"
                + "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"issuer\":\"CN=Bench CA\","
                + "\"serial\":\"738c7ff4150d3bac0d83cc6954ad1b2e\",\"managed\":false,\"createdAt\":1764600000000,"
                + "\"updatedAt\":1764600000000}";
    }

    @Test
    void bothFormatsOpenToTheSameRecordAndV2IsSmaller() throws Exception {
        String json = certificateJson(480);
        String v1 = GridValue.encode(CLUSTER, MAP, "crt_1", 5L, json, GridValue.Format.V1);
        String v2 = GridValue.encode(CLUSTER, MAP, "crt_1", 5L, json, GridValue.Format.V2);
        assertThat(v1).startsWith("v1|5|0|");
        assertThat(v2).startsWith("v2|5|0|");
        assertThat(GridValue.decode(CLUSTER, MAP, "crt_1", v1)).isEqualTo(new GridValue(5L, false, json));
        assertThat(GridValue.decode(CLUSTER, MAP, "crt_1", v2)).isEqualTo(new GridValue(5L, false, json));
        assertThat(GridValue.formatOf(v2)).isEqualTo(GridValue.Format.V2);
        assertThat((double) v2.length()).as("v2 %d chars, v1 %d", v2.length(), v1.length())
                .isLessThan(v1.length() * 0.85);
        assertThat(GridValue.encode(CLUSTER, MAP, "crt_1", 5L, json)).as("the default is V1").startsWith("v1|");
    }

    @Test
    void aV2TombstoneOpensAsATombstone() throws Exception {
        String v2 = GridValue.encode(CLUSTER, MAP, "crt_1", 9L, null, GridValue.Format.V2);
        assertThat(v2).startsWith("v2|9|1|");
        assertThat(GridValue.decode(CLUSTER, MAP, "crt_1", v2)).isEqualTo(new GridValue(9L, true, null));
        assertThat(ExpiredTombstone.isExpiredTombstone(v2, Long.MAX_VALUE)).isTrue();
    }

    @Test
    void theClearFieldsOfV2AreWhereV1HasThemForTheMergeGuardAndProjectionOfEitherRelease() {
        String v2 = GridValue.encode(CLUSTER, MAP, "crt_1", 77L, certificateJson(100), GridValue.Format.V2);
        assertThat(GridValue.revisionOf(v2)).isEqualTo(77L);
        assertThat(GridValue.keyIdOf(v2)).isEqualTo(CLUSTER.sealingKeyId());
        String row = new RevisionProjection().transform(new AbstractMap.SimpleEntry<>("crt_1", v2));
        assertThat(RevisionProjection.parse(row)).isEqualTo(new RevisionProjection.Summary("crt_1", 77L,
                CLUSTER.sealingKeyId()));
        assertThat(new RevisionGuard(v2).process(new AbstractMap.SimpleEntry<>("crt_1",
                GridValue.encode(CLUSTER, MAP, "crt_1", 76L, "{}")))).isTrue();
    }

    @Test
    void aValueRelabelledToTheOtherFormatDoesNotOpen() {
        String json = certificateJson(200);
        String v2 = GridValue.encode(CLUSTER, MAP, "crt_1", 5L, json, GridValue.Format.V2);
        String v1 = GridValue.encode(CLUSTER, MAP, "crt_1", 5L, json, GridValue.Format.V1);
        assertThatThrownBy(() -> GridValue.decode(CLUSTER, MAP, "crt_1", "v1" + v2.substring(2)))
                .isInstanceOf(SealException.class).hasMessageContaining("does not open");
        assertThatThrownBy(() -> GridValue.decode(CLUSTER, MAP, "crt_1", "v2" + v1.substring(2)))
                .isInstanceOf(SealException.class).hasMessageContaining("does not open");
        assertThatThrownBy(() -> GridValue.decode(CLUSTER, MAP, "crt_1", "v3" + v1.substring(2)))
                .isInstanceOf(SealException.class).hasMessageContaining("malformed grid value");
        assertThatThrownBy(() -> GridValue.decode(CLUSTER, MAP, "crt_2", v2)).as("another key")
                .isInstanceOf(SealException.class).hasMessageContaining("does not open");
        String[] f = v2.split("\\|");
        assertThatThrownBy(() -> GridValue.decode(CLUSTER, MAP, "crt_1", String.join("|", f[0], f[1], f[2], f[3], "*", f[5])))
                .as("a nonce that is not base64").isInstanceOf(SealException.class)
                .hasMessageContaining("malformed grid value: nonce: not base64");
    }

    /** A V2 value sealed properly (so by a member with the cluster key) around {@code plain}. */
    private static String sealedV2(byte[] plain) {
        SealedValue s = CLUSTER.seal(plain, GridValue.aad(GridValue.Format.V2, MAP, "crt_1", 5L, false));
        return "v2|5|0|" + s.keyId() + "|" + s.nonce() + "|" + s.ciphertext();
    }

    private static byte[] deflated(byte[] plain) {
        Deflater d = new Deflater();
        d.setInput(plain);
        d.finish();
        byte[] out = new byte[plain.length + 1024];
        int n = d.deflate(out);
        d.end();
        return java.util.Arrays.copyOf(out, n);
    }

    @Test
    void aSealedV2ValueThatIsNotDeflateOrInflatesWithoutBoundIsRefusedByName() {
        assertThatThrownBy(() -> GridValue.decode(CLUSTER, MAP, "crt_1", sealedV2("{\"plain\":1}".getBytes())))
                .isInstanceOf(SealException.class).hasMessageContaining("v2 grid value: not a deflate stream");
        byte[] ok = deflated("{}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> GridValue.decode(CLUSTER, MAP, "crt_1",
                sealedV2(java.util.Arrays.copyOf(ok, ok.length - 2))))
                .isInstanceOf(SealException.class).hasMessageContaining("v2 grid value: deflate stream ends early");
        byte[] trailing = java.util.Arrays.copyOf(ok, ok.length + 3);
        assertThatThrownBy(() -> GridValue.decode(CLUSTER, MAP, "crt_1", sealedV2(trailing)))
                .isInstanceOf(SealException.class).hasMessageContaining("3 bytes after the deflate stream");
        byte[] bomb = deflated(new byte[GridValue.MAX_INFLATED_BYTES + 1]); // ~4 KB that inflates to 4 MiB + 1
        assertThat(bomb.length).isLessThan(16 * 1024);
        assertThatThrownBy(() -> GridValue.decode(CLUSTER, MAP, "crt_1", sealedV2(bomb)))
                .isInstanceOf(SealException.class).hasMessageContaining("inflates beyond 4194304 bytes");
    }

    @Test
    void aMemberThatSaysNothingReadsOnlyV1() {
        assertThat(GridFormats.reads(null, GridValue.Format.V1)).isTrue();
        assertThat(GridFormats.reads(null, GridValue.Format.V2)).isFalse();
        assertThat(GridFormats.reads(GridFormats.READS, GridValue.Format.V2)).isTrue();
        assertThat(GridFormats.READS).isEqualTo("v1,v2");
        assertThat(GridFormats.reads("v1", GridValue.Format.V2)).isFalse();
    }
}
