package dev.gatehouse.tls.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.metrics.EdgeMetrics.ProxyProtocolRefusal;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The PROXY protocol stages on real header bytes (v1 text, v2 binary as an AWS NLB sends it, with a
 * TLV), split across writes, followed by the first bytes of a TLS ClientHello that must come out
 * unchanged: trusted and untrusted sources, malformed headers, the timeout, a client that hangs up.
 */
class ProxyProtocolTest {

    /** The first bytes of a TLS 1.2-record ClientHello: what follows the header on the HTTPS listener. */
    private static final byte[] CLIENT_HELLO_START = HexFormat.of().parseHex("160301020001");
    private static final InetSocketAddress BALANCER = new InetSocketAddress(loopback("10.0.3.17"), 40_000);
    private static final InetSocketAddress STRANGER = new InetSocketAddress(loopback("198.51.100.9"), 40_001);

    private final EdgeMetrics metrics = new EdgeMetrics();
    private final ProxyProtocolSettings settings = new ProxyProtocolSettings(
            List.of(Cidr.parse("10.0.0.0/16").orElseThrow(), Cidr.parse("fd00::/8").orElseThrow()),
            Duration.ofSeconds(3), true, true);
    private EmbeddedChannel ch;

    private static InetAddress loopback(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A connection from {@code peer}, its pipeline as a listener builds it: PROXY stages, then the rest. */
    private EmbeddedChannel connect(InetSocketAddress peer) {
        ch = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return peer;
            }
        };
        ch.freezeTime();
        ProxyProtocol.addHandlers(ch.pipeline(), settings, true, metrics);
        return ch;
    }

    @AfterEach
    void release() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    private byte[] passedOn() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object m; (m = ch.readInbound()) != null; ) {
            ByteBuf b = (ByteBuf) m;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** Writes each part as one read, as long as the connection is open (a closed one reads no more). */
    private void write(byte[]... parts) {
        for (byte[] p : parts) {
            if (ch.isOpen()) {
                ch.writeInbound(Unpooled.wrappedBuffer(p));
            }
        }
    }

    /** Moves the channel's clock on by {@code d} and runs what fell due (the header timeout). */
    private void elapse(Duration d) {
        ch.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A v2 header (spec §2.2): PROXY over TCP, with the AWS VPC endpoint TLV (type 0xEA) an NLB adds. */
    static byte[] v2(String src, int srcPort, String dst, int dstPort) {
        byte[] s = loopback(src).getAddress();
        byte[] d = loopback(dst).getAddress();
        byte[] tlv = concat(new byte[] {(byte) 0xEA, 0, 23, 0x01}, ascii("vpce-08d2bf15fa8e5c2ab"));
        int len = s.length * 2 + 4 + tlv.length;
        ByteBuffer b = ByteBuffer.allocate(16 + len);
        b.put(ProxyHeaderSniffer.V2).put((byte) 0x21).put((byte) (s.length == 4 ? 0x11 : 0x21)).putShort((short) len);
        b.put(s).put(d).putShort((short) srcPort).putShort((short) dstPort).put(tlv);
        return b.array();
    }

    @Test
    void takesTheClientAddressFromAV1HeaderOfATrustedSource() {
        connect(BALANCER);
        write(ascii("PROXY TCP4 203.0.113.7 192.0.2.1 51000 443\r\n"), CLIENT_HELLO_START);
        assertThat(ClientAddress.of(ch)).isEqualTo(new InetSocketAddress(loopback("203.0.113.7"), 51000));
        assertThat(ClientAddress.destinationPort(ch, 8443)).isEqualTo(443);
        assertThat(passedOn()).isEqualTo(CLIENT_HELLO_START);
        assertThat(metrics.get(EdgeMetrics.PROXY_PROTOCOL_ACCEPTED)).isEqualTo(1);
        assertThat(ch.pipeline().names()).doesNotContain(ProxyProtocol.SNIFF, ProxyProtocol.DECODER,
                ProxyProtocol.HEADER);
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void takesTheClientAddressFromAV2HeaderSplitAcrossWritesByteByByte() {
        connect(BALANCER);
        byte[] all = concat(v2("2001:db8::42", 61000, "2001:db8::1", 443), CLIENT_HELLO_START);
        for (byte b : all) {
            write(new byte[] {b});
        }
        assertThat(ClientAddress.of(ch)).isEqualTo(new InetSocketAddress(loopback("2001:db8::42"), 61000));
        assertThat(passedOn()).isEqualTo(CLIENT_HELLO_START);
        assertThat(metrics.get(EdgeMetrics.PROXY_PROTOCOL_ACCEPTED)).isEqualTo(1);
    }

    @Test
    void takesAV2Ipv4HeaderAndTheBytesBehindItInOneWrite() {
        connect(BALANCER);
        write(concat(v2("203.0.113.8", 52000, "10.0.3.1", 443), CLIENT_HELLO_START));
        assertThat(ClientAddress.of(ch)).isEqualTo(new InetSocketAddress(loopback("203.0.113.8"), 52000));
        assertThat(passedOn()).isEqualTo(CLIENT_HELLO_START);
    }

    @Test
    void keepsTheSocketAddressForTheLocalCommandAndForUnknown() {
        connect(BALANCER);
        byte[] local = concat(ProxyHeaderSniffer.V2, new byte[] {0x20, 0x00, 0x00, 0x00});
        write(local, CLIENT_HELLO_START);
        assertThat(ClientAddress.of(ch)).isEqualTo(BALANCER);
        assertThat(passedOn()).isEqualTo(CLIENT_HELLO_START);
        assertThat(metrics.get(EdgeMetrics.PROXY_PROTOCOL_LOCAL)).isEqualTo(1);
        ch.finishAndReleaseAll();

        connect(BALANCER);
        write(ascii("PROXY UNKNOWN\r\n"), CLIENT_HELLO_START);
        assertThat(ClientAddress.of(ch)).isEqualTo(BALANCER);
        assertThat(passedOn()).isEqualTo(CLIENT_HELLO_START);
        assertThat(metrics.get(EdgeMetrics.PROXY_PROTOCOL_ACCEPTED)).isEqualTo(1);
    }

    @Test
    void refusesAHeaderFromASourceOutsideTheTrustedNetworks() {
        connect(STRANGER);
        write(ascii("PROXY TCP4 203.0.113.7 192.0.2.1 51000 443\r\n"), CLIENT_HELLO_START);
        assertThat(ch.isOpen()).isFalse();
        assertThat(passedOn()).isEmpty();
        assertThat(metrics.get(ProxyProtocolRefusal.UNTRUSTED_SOURCE.metricName())).isEqualTo(1);

        connect(STRANGER);
        byte[] header = v2("203.0.113.7", 51000, "192.0.2.1", 443);
        write(java.util.Arrays.copyOf(header, 5), java.util.Arrays.copyOfRange(header, 5, header.length));
        assertThat(ch.isOpen()).isFalse();
        assertThat(passedOn()).isEmpty();
        assertThat(metrics.get(ProxyProtocolRefusal.UNTRUSTED_SOURCE.metricName())).isEqualTo(2);
        assertThat(ClientAddress.of(ch)).isEqualTo(STRANGER);
    }

    @ParameterizedTest
    @ValueSource(strings = {"160301020001", "504f5354202f20485454502f312e310d0a", "50524f58", "0d0a0d0a000d0a5155"})
    void passesAnUntrustedSourcesOwnBytesOnUnchanged(String hex) {
        byte[] bytes = HexFormat.of().parseHex(hex); // TLS, "POST / HTTP/1.1", and prefixes that stop short
        connect(STRANGER);
        write(bytes);
        if (bytes.length < 6 || bytes[0] == 0x0d) { // could still become a header: held, then the rest decides
            assertThat(passedOn()).isEmpty();
            write(ascii("?"));
            bytes = concat(bytes, ascii("?"));
        }
        assertThat(passedOn()).isEqualTo(bytes);
        assertThat(ch.isOpen()).isTrue();
        assertThat(ch.pipeline().names()).doesNotContain(ProxyProtocol.SNIFF);
        assertThat(metrics.snapshot()).isEmpty();
        assertThat(ClientAddress.of(ch)).isEqualTo(STRANGER);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no header, TLS at once            | 160301020001",
        "v1, bad address (999.1.1.1)       | 50524f58592054435034203939392e312e312e3120312e312e312e3120312032",
        "v1, unknown family (TCP5)         | 50524f585920544350352031302e302e302e3120312e312e312e3120312032",
        "v2, version 3                     | 0d0a0d0a000d0a515549540a31110000",
        "v2, TCP4 with a short address block | 0d0a0d0a000d0a515549540a21110004c0000201",
    })
    void refusesAMalformedHeaderFromATrustedSource(String what, String hex) {
        connect(BALANCER);
        byte[] bytes = HexFormat.of().parseHex(hex);
        if (bytes[0] == 'P') {
            bytes = concat(bytes, ascii("\r\n"));
        }
        write(bytes, CLIENT_HELLO_START);
        assertThat(ch.isOpen()).as(what).isFalse();
        assertThat(passedOn()).isEmpty();
        assertThat(metrics.get(ProxyProtocolRefusal.MALFORMED.metricName())).isEqualTo(1);
        assertThat(metrics.get(ProxyProtocolRefusal.CLOSED.metricName())).as("counted once").isZero();
        assertThat(metrics.get(EdgeMetrics.PROXY_PROTOCOL_ACCEPTED)).isZero();
    }

    @Test
    void refusesAV1LineLongerThanTheSpecAllows() {
        connect(BALANCER);
        write(ascii("PROXY TCP4 " + "1".repeat(200)));
        assertThat(ch.isOpen()).isFalse();
        assertThat(metrics.get(ProxyProtocolRefusal.MALFORMED.metricName())).isEqualTo(1);
    }

    @Test
    void closesATrustedConnectionWhoseHeaderIsIncompleteAtTheTimeout() {
        connect(BALANCER);
        write(ascii("PROXY TCP4 203.0.113.7"));
        elapse(Duration.ofMillis(2_900));
        assertThat(ch.isOpen()).isTrue();
        elapse(Duration.ofMillis(200));
        assertThat(ch.isOpen()).isFalse();
        assertThat(metrics.get(ProxyProtocolRefusal.TIMEOUT.metricName())).isEqualTo(1);
        assertThat(metrics.get(ProxyProtocolRefusal.CLOSED.metricName())).isZero();
    }

    @Test
    void theTimeoutNoLongerAppliesOnceTheHeaderIsIn() {
        connect(BALANCER);
        write(ascii("PROXY TCP4 203.0.113.7 192.0.2.1 51000 443\r\n"));
        elapse(Duration.ofSeconds(10));
        assertThat(ch.isOpen()).isTrue();
        assertThat(metrics.get(ProxyProtocolRefusal.TIMEOUT.metricName())).isZero();
    }

    @Test
    void countsATrustedSourceThatHangsUpMidHeader() {
        connect(BALANCER);
        write(ascii("PROXY TCP6 2001:db8::42"));
        ch.close();
        assertThat(metrics.get(ProxyProtocolRefusal.CLOSED.metricName())).isEqualTo(1);
        elapse(Duration.ofSeconds(10));
        assertThat(metrics.get(ProxyProtocolRefusal.TIMEOUT.metricName())).as("the timer was cancelled").isZero();
    }

    @Test
    void addsNothingWhenTheListenerHasNoProxyProtocol() {
        ch = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return BALANCER;
            }
        };
        ProxyProtocol.addHandlers(ch.pipeline(), new ProxyProtocolSettings(settings.trustedSources(),
                Duration.ofSeconds(1), true, false), false, metrics);
        ProxyProtocol.addHandlers(ch.pipeline(), ProxyProtocolSettings.OFF, true, metrics);
        assertThat(ch.pipeline().names()).doesNotContain(ProxyProtocol.SNIFF, ProxyProtocol.DECODER);
    }

    @ParameterizedTest
    @CsvSource({"10.0.255.1, true", "10.1.0.1, false", "::ffff:10.0.0.9, true", "fd12::1, true", "fe80::1, false"})
    void trustsOnlyTheConfiguredNetworks(String address, boolean trusted) throws Exception {
        assertThat(settings.trusts(InetAddress.getByName(address))).isEqualTo(trusted);
    }
}
