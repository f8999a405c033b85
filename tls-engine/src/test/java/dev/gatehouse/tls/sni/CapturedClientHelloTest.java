package dev.gatehouse.tls.sni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.testing.TestPki;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ClientHello records captured from {@code openssl s_client} (the seeds of
 * {@link ClientHelloFuzzTest}) read as what they are, and one of them, split across two writes,
 * gets the ECDSA certificate from {@link TenantSniHandler}.
 */
class CapturedClientHelloTest {

    private static final TestPki PKI = new TestPki();
    private static CertificateRegistry registry;

    @BeforeAll
    static void registry() throws Exception {
        registry = new CertificateRegistry(new SslContextFactory(true, true, 300), 16);
        registry.put(PKI.ec("a-ec", "app.tenant-a.test"));
        registry.put(PKI.rsa("a-rsa", "app.tenant-a.test"));
        KeyMaterialWarmup.warm(registry, "app.tenant-a.test");
    }

    @AfterAll
    static void closeRegistry() {
        registry.close();
    }

    static byte[] captured(String name) throws IOException {
        try (InputStream in = CapturedClientHelloTest.class.getResourceAsStream(
                "ClientHelloFuzzTestInputs/handlesAnyClientHelloWithoutEscapingExceptions/" + name)) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "openssl-tls13,          true,  true,  true",
        "openssl-tls12,          true,  false, true",
        "openssl-tls12-rsa-only, false, false, true",
        "openssl-no-sni,         true,  true,  true",
    })
    void readsTheCapturedHellos(String file, boolean ecdsa, boolean tls13, boolean modern) throws IOException {
        byte[] record = captured(file);
        // 5 bytes of record header, 4 of handshake header: what Netty hands to lookup()
        ClientHelloInfo info = ClientHelloInfo.parse(Unpooled.wrappedBuffer(record, 9, record.length - 9));
        assertThat(info).isEqualTo(new ClientHelloInfo(ecdsa, tls13, modern));
    }

    @Test
    void servesTheEcdsaCertificateToACapturedTls13HelloSplitAcrossTwoWrites() throws IOException {
        byte[] hello = captured("openssl-tls13");
        EmbeddedChannel ch = new EmbeddedChannel(new TenantSniHandler(registry, new EdgeMetrics(), 16 * 1024,
                10_000, "tls"));
        try {
            ch.writeInbound(Unpooled.copiedBuffer(hello, 0, 40));
            assertThat(ch.pipeline().get(SslHandler.class)).as("waits for the rest of the hello").isNull();
            ch.writeInbound(Unpooled.copiedBuffer(hello, 40, hello.length - 40));
            assertThat(ch.pipeline().get(SslHandler.class)).isNotNull();
            assertThat(ch.attr(TenantSniHandler.SERVED_BUNDLE).get().bundleId()).isEqualTo("a-ec");
            assertThat(ch.attr(TenantSniHandler.SNI).get()).isEqualTo("app.tenant-a.test");
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
