package dev.gatehouse.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;

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
}
