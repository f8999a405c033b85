package dev.gatehouse.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecordBundlesTest {

    @Test
    void readsEveryCertificateOfAChainLeafFirst() {
        String pem = "-----BEGIN CERTIFICATE-----\nAQID\nBA==\n-----END CERTIFICATE-----\n"
                + "-----BEGIN CERTIFICATE-----\r\nBQYH\r\n-----END CERTIFICATE-----\n";
        assertThat(RecordBundles.chainDer(pem)).containsExactly(new byte[] {1, 2, 3, 4}, new byte[] {5, 6, 7});
    }

    @Test
    void ignoresAnUnterminatedBlockAndTextAroundTheBlocks() {
        String pem = "leaf\n-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\ntrailer\n"
                + "-----BEGIN CERTIFICATE-----\nBQYH\n";
        assertThat(RecordBundles.chainDer(pem)).containsExactly(new byte[] {1, 2, 3});
    }

    @Test
    void sharesTheIssuersOfChainsButNotTheirLeaves() {
        String issuer = "-----BEGIN CERTIFICATE-----\nCQoL\n-----END CERTIFICATE-----\n";
        String a = "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n" + issuer;
        String b = "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n" + issuer;
        List<byte[]> first = RecordBundles.chainDer(a);
        List<byte[]> second = RecordBundles.chainDer(b);
        assertThat(second).containsExactly(new byte[] {1, 2, 3}, new byte[] {9, 10, 11});
        assertThat(second.get(1)).isSameAs(first.get(1));
        assertThat(second.get(0)).isNotSameAs(first.get(0));
    }
}
