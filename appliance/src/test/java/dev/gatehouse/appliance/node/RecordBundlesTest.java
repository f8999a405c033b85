package dev.gatehouse.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.SealedValue;
import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.KeyType;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chain parsing this class did until 2026-12-03 is tested in tls-engine's CertificateChainTest. */
class RecordBundlesTest {

    private static CertificateRecord record(String chainPem) {
        return new CertificateRecord("crt_1", "acme", List.of("a.acme.test", "b.acme.test"), 7L, chainPem,
                new SealedValue("k1", "bm9uY2U=", "c2VhbGVk"), "ECDSA-P-256", 1_000L, 2_000L, "ab12", "CN=CA", "0f",
                false, 1L, 2L);
    }

    @Test
    void aBundleHoldsTheRecordsPemAsItsChainNotACopy() {
        String pem = "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n"
                + "-----BEGIN CERTIFICATE-----\nCQoL\n-----END CERTIFICATE-----\n";
        CertificateRecord r = record(pem);
        CertificateBundle b = RecordBundles.toBundle(r, List.of("a.acme.test"), new byte[] {42});
        assertThat(b.certificates().pem()).isSameAs(r.chainPem());
        assertThat(b.chainDer()).containsExactly(new byte[] {1, 2, 3}, new byte[] {9, 10, 11});
        assertThat(b.names()).containsExactly("a.acme.test");
        assertThat(b.keyType()).isEqualTo(KeyType.ec("P-256", 256));
        assertThat(b.notAfter()).isEqualTo(Instant.ofEpochMilli(2_000L));
        assertThat(b.fingerprint()).isSameAs(r.fingerprint());
    }

    @Test
    void aRecordWhoseChainHasNoCertificateIsRefusedByName() {
        assertThatThrownBy(() -> RecordBundles.toBundle(record("chain"), List.of("a.acme.test"), new byte[] {42}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no complete -----BEGIN CERTIFICATE----- block");
    }
}
