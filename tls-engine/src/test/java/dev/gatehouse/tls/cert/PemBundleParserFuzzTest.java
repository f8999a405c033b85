package dev.gatehouse.tls.cert;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link PemBundleParser}: whatever the bytes, it returns a complete bundle or refuses with
 * a {@link CertificateParseException} naming the bundle and a reason; no other exception escapes.
 *
 * <p>Input layout (so that the seeds under {@code PemBundleParserFuzzTestInputs} are real files
 * with one byte in front): byte 0 even = {@link PemBundleParser#parseCombined}; odd =
 * {@link PemBundleParser#parse} with the text before the last {@code -----BEGIN } as the chain
 * and the rest as the key. The seeds are openssl-made bundles valid from 2026-12 for 20 years.
 *
 * <p>{@code mvn test} runs the seeds only; {@code ops/fuzz.sh} fuzzes it for a bounded time.
 */
class PemBundleParserFuzzTest {

    /** Inside the seeds' validity, so that well-formed seeds get through every check. */
    private static final Instant NOW = Instant.parse("2027-06-01T00:00:00Z");

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void parsesOrRefusesWithANamedReason(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] pem = Arrays.copyOfRange(input, 1, input.length);
        try {
            CertificateBundle bundle;
            if ((input[0] & 1) == 0) {
                bundle = PemBundleParser.parseCombined("fuzz", pem, NOW);
            } else {
                String text = new String(pem, StandardCharsets.US_ASCII);
                int split = Math.max(0, text.lastIndexOf("-----BEGIN "));
                bundle = PemBundleParser.parse("fuzz", Arrays.copyOfRange(pem, 0, split),
                        Arrays.copyOfRange(pem, split, pem.length), NOW);
            }
            assertThat(bundle.names()).isNotEmpty();
            assertThat(bundle.chainDer()).isNotEmpty();
            assertThat(bundle.keyPkcs8()).isNotEmpty();
            assertThat(bundle.notAfter()).isAfterOrEqualTo(NOW);
        } catch (CertificateParseException e) {
            assertThat(e.label()).isEqualTo("fuzz");
            assertThat(e.reason()).isNotNull();
            assertThat(e.getMessage()).startsWith("fuzz: " + e.reason().summary());
        }
    }
}
