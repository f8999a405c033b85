package dev.gatehouse.tls.sni;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.testing.TestPki;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the ClientHello path: {@link ClientHelloInfo#parse} on the handshake body, and
 * {@link TenantSniHandler} in an {@link EmbeddedChannel} fed the raw bytes once whole and once
 * split across two writes. Invariants: {@code parse} never throws; the handler either hands the
 * connection to an {@link SslHandler}, refuses it with one well-formed fatal alert, closes it, or
 * waits for more bytes; nothing it does not handle reaches the end of the pipeline; every buffer
 * is released (the leak detector runs at PARANOID and {@code NettyLeakGuard} fails the class).
 *
 * <p>The seeds under {@code ClientHelloFuzzTestInputs} are ClientHello records captured from
 * {@code openssl s_client} (TLS 1.3, TLS 1.2, TLS 1.2 RSA-only, no SNI, a mixed-case name with a
 * trailing dot) plus a plaintext HTTP request.
 */
class ClientHelloFuzzTest {

    private static final String TLS = "tls";
    private static final TestPki PKI = new TestPki();
    private static CertificateRegistry registry;

    @BeforeAll
    static void registry() throws Exception {
        registry = new CertificateRegistry(new SslContextFactory(true, true, 300), 16);
        registry.put(PKI.ec("a-ec", "app.tenant-a.test", "*.tenant-a.test"));
        registry.put(PKI.rsa("a-rsa", "app.tenant-a.test"));
        registry.put(PKI.ec("b", "api.tenant-b.test"));
        KeyMaterialWarmup.warm(registry, "app.tenant-a.test", "x.tenant-a.test", "api.tenant-b.test");
    }

    @AfterAll
    static void closeRegistry() {
        registry.close();
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void handlesAnyClientHelloWithoutEscapingExceptions(byte[] input) {
        parseNeverThrows(input);
        feed(input, input.length);
        feed(input, input.length / 2);
    }

    private static void parseNeverThrows(byte[] input) {
        ClientHelloInfo.parse(Unpooled.wrappedBuffer(input));
        // a TLS record (5 bytes) holding a handshake header (4 bytes): parse sees the body, as from Netty
        if (input.length > 9) {
            ClientHelloInfo info = ClientHelloInfo.parse(Unpooled.wrappedBuffer(input, 9, input.length - 9));
            assertThat(info).isNotNull();
            assertThat(!info.tls13() || info.modernVersion()).as("TLS 1.3 implies a modern version").isTrue();
        }
    }

    /** Feeds the bytes in two writes split at {@code split} and checks what the handler did. */
    private static void feed(byte[] input, int split) {
        EdgeMetrics metrics = new EdgeMetrics();
        Escaped escaped = new Escaped();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("sni", new TenantSniHandler(registry, metrics, 16 * 1024, 10_000, TLS));
        ch.pipeline().addLast("escaped", escaped);
        try {
            if (split > 0) {
                ch.writeInbound(Unpooled.copiedBuffer(input, 0, split));
            }
            if (split < input.length && ch.isActive()) {
                ch.writeInbound(Unpooled.copiedBuffer(input, split, input.length - split));
            }
            ch.runPendingTasks();
            boolean handedToTls = escaped.sawTls || ch.pipeline().get(SslHandler.class) != null;
            for (Escaped.Cause c : escaped.causes) {
                // once the SslHandler has the connection, a malformed hello is the TLS stack's to refuse
                Throwable root = c.cause() instanceof DecoderException && c.cause().getCause() != null
                        ? c.cause().getCause() : c.cause();
                assertThat(c.fromTls() && root instanceof SSLException)
                        .as("exception escaped the SNI handler: %s", c.cause()).isTrue();
            }
            List<ByteBuf> out = new ArrayList<>();
            for (Object o; (o = ch.readOutbound()) != null;) {
                out.add((ByteBuf) o);
            }
            try {
                if (!handedToTls && !out.isEmpty()) {
                    assertThat(out).as("one alert record").hasSize(1);
                    ByteBuf alert = out.get(0);
                    assertThat(alert.readableBytes()).isEqualTo(7);
                    assertThat(alert.getByte(0)).as("content type alert").isEqualTo((byte) 21);
                    assertThat(alert.getByte(5)).as("level fatal").isEqualTo((byte) 2);
                    assertThat(ch.isOpen()).as("closed after the alert").isFalse();
                }
            } finally {
                out.forEach(ByteBuf::release);
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /**
     * Last in the pipeline: records what no handler took care of (EmbeddedChannel would rethrow it
     * later) and whether the SslHandler had taken over by then (a closed channel's pipeline is
     * emptied, so this is noted as events pass, not afterwards).
     */
    private static final class Escaped extends ChannelInboundHandlerAdapter {
        record Cause(Throwable cause, boolean fromTls) {
        }

        final List<Cause> causes = new ArrayList<>();
        boolean sawTls;

        private boolean look(ChannelHandlerContext ctx) {
            sawTls |= ctx.pipeline().get(SslHandler.class) != null;
            return sawTls;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            causes.add(new Cause(cause, look(ctx)));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            look(ctx);
            io.netty.util.ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            look(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }
}
