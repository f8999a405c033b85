package dev.gatehouse.tls.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.net.ClientAddress;
import dev.gatehouse.tls.sni.ConnectionTls;
import dev.gatehouse.tls.sni.TenantSniHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The header a backend connection starts with, written through {@link BackendProxyHeader#write} on a
 * channel and read back by Netty's decoder from the bytes it produced: the addresses a client's PROXY
 * header named, the SNI name and the TLS version as v2 TLVs, the v1 text line, and the headers of a
 * health check. (The real-backend checks are in the appliance's {@code BackendProxyProtocolIT}.)
 */
class BackendProxyHeaderTest {

    /** A client connection as Gatehouse knows it after a trusted PROXY header and a TLS handshake. */
    private static EmbeddedChannel client(String sni, String tlsVersion) {
        EmbeddedChannel c = new EmbeddedChannel();
        c.attr(ClientAddress.PROXIED).set(new ClientAddress.Proxied(new InetSocketAddress("192.0.2.44", 40001),
                new InetSocketAddress("203.0.113.9", 443)));
        if (sni != null) {
            c.attr(TenantSniHandler.SNI).set(sni);
        }
        if (tlsVersion != null) {
            c.attr(TenantSniHandler.TLS).set(new ConnectionTls("cert-1", tlsVersion, "TLS_AES_128_GCM_SHA256",
                    null, false, 0));
        }
        return c;
    }

    /** The bytes {@code header} becomes as a connection's first write. */
    private static ByteBuf written(Object header) {
        EmbeddedChannel backend = new EmbeddedChannel();
        BackendProxyHeader.write(backend, header);
        backend.flush();
        assertThat(backend.pipeline().get(BackendProxyHeader.ENCODER)).as("the encoder leaves").isNull();
        ByteBuf out = backend.readOutbound();
        assertThat((Object) backend.readOutbound()).isNull();
        backend.finishAndReleaseAll();
        return out;
    }

    private static HAProxyMessage decoded(ByteBuf bytes) {
        EmbeddedChannel in = new EmbeddedChannel(new HAProxyMessageDecoder());
        in.writeInbound(bytes);
        HAProxyMessage m = in.readInbound();
        in.finishAndReleaseAll();
        return m;
    }

    @Test
    void version2NamesTheClientTheSniNameAndTheTlsVersion() {
        EmbeddedChannel c = client("app.tenant.test", "TLSv1.3");
        HAProxyMessage m = decoded(written(BackendProxyHeader.forClient(ProxyProtocolMode.V2, c)));
        try {
            assertThat(m.protocolVersion()).isEqualTo(HAProxyProtocolVersion.V2);
            assertThat(m.command()).isEqualTo(HAProxyCommand.PROXY);
            assertThat(m.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP4);
            assertThat(m.sourceAddress()).isEqualTo("192.0.2.44");
            assertThat(m.sourcePort()).isEqualTo(40001);
            assertThat(m.destinationAddress()).isEqualTo("203.0.113.9");
            assertThat(m.destinationPort()).isEqualTo(443);
            // Netty's decoder lists the SSL TLV's own sub-TLVs after it, too
            assertThat(m.tlvs()).extracting(HAProxyTLV::type).containsExactly(HAProxyTLV.Type.PP2_TYPE_AUTHORITY,
                    HAProxyTLV.Type.PP2_TYPE_SSL, HAProxyTLV.Type.PP2_TYPE_SSL_VERSION);
            assertThat(m.tlvs().get(0).content().toString(StandardCharsets.US_ASCII)).isEqualTo("app.tenant.test");
            HAProxySSLTLV ssl = (HAProxySSLTLV) m.tlvs().get(1);
            assertThat(ssl.isPP2ClientSSL()).isTrue();
            assertThat(ssl.isPP2ClientCertConn()).isFalse();
            assertThat(ssl.verify()).as("no verified client certificate").isNotZero();
            assertThat(ssl.encapsulatedTLVs()).singleElement().satisfies(v -> {
                assertThat(v.type()).isEqualTo(HAProxyTLV.Type.PP2_TYPE_SSL_VERSION);
                assertThat(v.content().toString(StandardCharsets.US_ASCII)).isEqualTo("TLSv1.3");
            });
        } finally {
            m.release();
            c.finishAndReleaseAll();
        }
    }

    @Test
    void aPlainConnectionHasNoTlsTlvs() {
        EmbeddedChannel c = client(null, null);
        HAProxyMessage m = decoded(written(BackendProxyHeader.forClient(ProxyProtocolMode.V2, c)));
        try {
            assertThat(m.sourceAddress()).isEqualTo("192.0.2.44");
            assertThat(m.tlvs()).isEmpty();
        } finally {
            m.release();
            c.finishAndReleaseAll();
        }
    }

    @Test
    void version1IsTheTextLine() {
        EmbeddedChannel c = client("app.tenant.test", "TLSv1.2");
        ByteBuf bytes = written(BackendProxyHeader.forClient(ProxyProtocolMode.V1, c));
        try {
            assertThat(bytes.toString(StandardCharsets.US_ASCII))
                    .isEqualTo("PROXY TCP4 192.0.2.44 203.0.113.9 40001 443\r\n");
        } finally {
            bytes.release();
            c.finishAndReleaseAll();
        }
    }

    @Test
    void aHealthCheckRelaysNoClient() {
        ByteBuf v1 = written(BackendProxyHeader.forCheck(ProxyProtocolMode.V1));
        assertThat(v1.toString(StandardCharsets.US_ASCII)).isEqualTo("PROXY UNKNOWN\r\n");
        v1.release();
        HAProxyMessage v2 = decoded(written(BackendProxyHeader.forCheck(ProxyProtocolMode.V2)));
        try {
            assertThat(v2.command()).isEqualTo(HAProxyCommand.LOCAL);
            assertThat(v2.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.UNKNOWN);
        } finally {
            v2.release();
        }
    }

    @Test
    void addressesOfDifferentFamiliesMakeAnUnknownHeader() {
        EmbeddedChannel c = new EmbeddedChannel();
        c.attr(ClientAddress.PROXIED).set(new ClientAddress.Proxied(new InetSocketAddress("2001:db8::7", 5000),
                new InetSocketAddress("203.0.113.9", 443)));
        HAProxyMessage m = decoded(written(BackendProxyHeader.forClient(ProxyProtocolMode.V2, c)));
        try {
            assertThat(m.command()).isEqualTo(HAProxyCommand.PROXY);
            assertThat(m.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.UNKNOWN);
        } finally {
            m.release();
            c.finishAndReleaseAll();
        }
    }
}
