package dev.gatehouse.tls.proxy;

import static dev.gatehouse.tls.proxy.Http1Harness.HOST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.backend.BackendConnector;
import dev.gatehouse.tls.backend.BackendServer;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket upgrade through the HTTP/1.1 pipeline: once the backend's 101 is written,
 * {@link ProxyHandler} gives its place to a {@link WebSocketTunnel}, the HTTP layers leave both
 * pipelines, and bytes go through unparsed both ways; the upgrade has one record, written at the end.
 */
class WebSocketTunnelTest {

    private static final String UPGRADE = "GET /chat HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    private static final String SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    private final Http1Harness h = new Http1Harness(new BackendServer("127.0.0.1", 1));

    @AfterEach
    void close() {
        h.close();
    }

    private void upgrade() {
        h.connect();
        h.clientSends(UPGRADE);
        assertThat(h.backendReceived()).startsWith("GET /chat HTTP/1.1\r\n")
                .containsIgnoringCase("connection: upgrade\r\n").containsIgnoringCase("upgrade: websocket\r\n")
                .containsIgnoringCase("sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
        h.backendSends(SWITCHING);
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 101 Switching Protocols\r\n")
                .containsIgnoringCase("upgrade: websocket\r\n").containsIgnoringCase("connection: upgrade\r\n");
    }

    @Test
    void swapsTheProxyHandlerForATunnelAndDropsTheHttpLayers() {
        upgrade();
        assertThat(h.client.pipeline().get(WebSocketTunnel.class)).isNotNull();
        assertThat(h.client.pipeline().get(ProxyHandler.class)).isNull();
        assertThat(h.client.pipeline().get(HttpServerCodec.class)).isNull();
        assertThat(h.backend().pipeline().get(BackendConnector.CODEC)).isNull();
        assertThat(h.backend().pipeline().get(IdleStateHandler.class)).isNull();
        assertThat(h.metrics.get("proxy.websocket_tunnels")).isEqualTo(1);
        assertThat(h.inflight).as("a tunnel is not a request in flight").hasValue(0);
        assertThat(h.records).as("written when the tunnel closes").isEmpty();
    }

    @Test
    void relaysBytesBothWaysUnparsed() {
        upgrade();
        // a masked text frame "hi" from the client, bytes that are no HTTP at all
        h.clientSends("\u0081\u0082abcd\u0009\u000b");
        assertThat(h.backendReceived()).isEqualTo("\u0081\u0082abcd\u0009\u000b");
        h.backendSends("\u0081\u0002ok");
        assertThat(h.clientReceived()).isEqualTo("\u0081\u0002ok");
        // and again: each side is read once more after its write
        h.clientSends("GET / HTTP/1.1\r\n\r\n");
        assertThat(h.backendReceived()).isEqualTo("GET / HTTP/1.1\r\n\r\n");
        assertThat(h.backends).as("no second exchange").hasSize(1);
    }

    @Test
    void backendClosingEndsTheTunnelWithOneRecordOfItsBytes() {
        upgrade();
        h.clientSends("12345678");
        h.backendReceived();
        h.backendSends("abc");
        h.clientReceived();
        h.backend().close();
        h.client.runPendingTasks();
        assertThat(h.client.isOpen()).isFalse();
        assertThat(h.records).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.cause()).isNull();
            assertThat(r.path()).isEqualTo("/chat");
            assertThat(r.bytesIn()).isEqualTo(8);
            assertThat(r.bytesOut()).isEqualTo(3);
        });
    }

    @Test
    void clientClosingClosesTheBackendWithOneRecord() {
        upgrade();
        h.client.close();
        assertThat(h.backend().isOpen()).isFalse();
        assertThat(h.records).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(101));
    }
}
