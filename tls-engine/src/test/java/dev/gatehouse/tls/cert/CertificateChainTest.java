package dev.gatehouse.tls.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateChainTest {

    @Test
    void readsEveryCertificateOfAPemChainLeafFirst() {
        String pem = "-----BEGIN CERTIFICATE-----\nAQID\nBA==\n-----END CERTIFICATE-----\n"
                + "-----BEGIN CERTIFICATE-----\r\nBQYH\r\n-----END CERTIFICATE-----\n";
        CertificateChain chain = CertificateChain.ofPem(pem);
        assertThat(chain.der()).containsExactly(new byte[] {1, 2, 3, 4}, new byte[] {5, 6, 7});
        assertThat(chain.pem()).as("held as the caller's string, not a copy").isSameAs(pem);
    }

    @Test
    void ignoresAnUnterminatedBlockAndTextAroundTheBlocks() {
        String pem = "leaf\n-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\ntrailer\n"
                + "-----BEGIN CERTIFICATE-----\nBQYH\n";
        assertThat(CertificateChain.ofPem(pem).der()).containsExactly(new byte[] {1, 2, 3});
    }

    @Test
    void decodesAPemChainAnewOnEveryCall() {
        CertificateChain chain = CertificateChain.ofPem("-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n");
        byte[] first = chain.der().get(0);
        first[0] = 9; // a caller that scribbles on what it was given does not change the chain
        assertThat(chain.der()).containsExactly(new byte[] {1, 2, 3});
    }

    @Test
    void refusesPemWithoutACompleteCertificateBlock() {
        assertThatThrownBy(() -> CertificateChain.ofPem("-----BEGIN CERTIFICATE-----\nAQID\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no complete -----BEGIN CERTIFICATE----- block");
        assertThatThrownBy(() -> CertificateChain.ofPem("-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no complete -----BEGIN CERTIFICATE----- block");
    }

    @Test
    void refusesABlockThatIsNotBase64() {
        assertThatThrownBy(() -> CertificateChain.ofPem("-----BEGIN CERTIFICATE-----\nAQ=D\n-----END CERTIFICATE-----\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("chain: a CERTIFICATE block is not valid base64");
    }

    @Test
    void aDerChainIsHeldAsGivenAndMustHoldTheLeaf() {
        CertificateChain chain = CertificateChain.ofDer(List.of(new byte[] {1}, new byte[] {2}));
        assertThat(chain.der()).containsExactly(new byte[] {1}, new byte[] {2});
        assertThat(chain.pem()).isNull();
        assertThatThrownBy(() -> CertificateChain.ofDer(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chain: empty (expected: at least the leaf certificate)");
    }
}
