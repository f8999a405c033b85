package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.metrics.EdgeMetrics.HandshakeFailure;
import dev.gatehouse.tls.proxy.ProxySettings;
import dev.gatehouse.tls.testing.TestEdge;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Garbage, truncated and oversized ClientHellos, slowloris: the engine closes, counts, and keeps serving. */
class HostileInputIT {

    private static final String HOST = "app.tenant-a.test";
    private static TestEdge edge;

    @BeforeAll
    static void start() throws Exception {
        edge = new TestEdge(b -> b.maxClientHelloLength(4096).handshakeTimeout(Duration.ofSeconds(1))
                .proxy(ProxySettings.defaults().withHeaderTimeout(Duration.ofMillis(800))));
        edge.serveEc("a", HOST);
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    @AfterEach
    void stillServes() throws Exception {
        assertThat(edge.probe.get(edge.port(), HOST, "/")).startsWith("HTTP/1.1 200");
    }

    private static long failures(HandshakeFailure reason) {
        return edge.edge.metrics().handshakeFailures(reason);
    }

    /** Reads until the server closes the connection; true when it did within the timeout. */
    private static boolean closedByServer(Socket s, int timeoutMs) throws IOException {
        s.setSoTimeout(timeoutMs);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // drain an alert, if any
            }
            return true;
        } catch (SocketException reset) {
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        }
    }

    @Test
    void closesConnectionsThatSendRandomBytes() throws Exception {
        long before = failures(HandshakeFailure.NOT_TLS);
        Random random = new Random(42);
        for (int i = 0; i < 50; i++) {
            try (Socket s = new Socket("127.0.0.1", edge.port())) {
                byte[] junk = new byte[1 + random.nextInt(2000)];
                random.nextBytes(junk);
                junk[0] = (byte) (0x30 + random.nextInt(0x40)); // never a TLS content type
                if (junk.length > 5) {
                    s.getOutputStream().write(junk);
                    assertThat(closedByServer(s, 3000)).isTrue();
                }
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> failures(HandshakeFailure.NOT_TLS) - before >= 40);
    }

    @Test
    void closesTruncatedClientHelloAfterHandshakeTimeout() throws Exception {
        long before = failures(HandshakeFailure.TIMEOUT);
        try (Socket s = new Socket("127.0.0.1", edge.port())) {
            OutputStream out = s.getOutputStream();
            // record header announcing 512 bytes, ClientHello header announcing 508, then only 40 bytes
            out.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc});
            out.write(new byte[40]);
            out.flush();
            long t0 = System.nanoTime();
            assertThat(closedByServer(s, 5000)).isTrue();
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(500);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> failures(HandshakeFailure.TIMEOUT) > before);
    }

    @Test
    void refusesOversizedClientHello() throws Exception {
        long before = failures(HandshakeFailure.CLIENT_HELLO_TOO_LARGE);
        try (Socket s = new Socket("127.0.0.1", edge.port())) {
            OutputStream out = s.getOutputStream();
            // a 16 KiB record whose ClientHello claims 100,000 bytes (limit 4096)
            byte[] record = new byte[5 + 16384];
            record[0] = 0x16;
            record[1] = 0x03;
            record[2] = 0x01;
            record[3] = 0x40;
            record[4] = 0x00;
            record[5] = 0x01;
            record[6] = 0x01;
            record[7] = (byte) 0x86;
            record[8] = (byte) 0xa0;
            out.write(record);
            out.flush();
            assertThat(closedByServer(s, 3000)).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> failures(HandshakeFailure.CLIENT_HELLO_TOO_LARGE) > before);
    }

    @Test
    void answers408ToSlowlorisHeaders() throws Exception {
        long before = edge.edge.metrics().get("http.header_timeout");
        try (SSLSocket s = edge.probe.connect(edge.port(), HOST)) {
            OutputStream out = s.getOutputStream();
            byte[] head = ("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Slow: ").getBytes(StandardCharsets.US_ASCII);
            out.write(head);
            out.flush();
            s.setSoTimeout(200);
            StringBuilder got = new StringBuilder();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            boolean closed = false;
            while (System.nanoTime() < deadline && !closed) {
                try {
                    out.write('a'); // one byte every 200 ms: never a complete head
                    out.flush();
                } catch (IOException e) {
                    closed = true;
                    break;
                }
                try {
                    int c;
                    while ((c = s.getInputStream().read()) >= 0) {
                        got.append((char) c);
                    }
                    closed = true;
                } catch (SocketTimeoutException more) {
                    // keep dripping
                } catch (IOException e) {
                    closed = true;
                }
            }
            assertThat(closed).as("server closed the slowloris connection").isTrue();
            assertThat(got.toString()).startsWith("HTTP/1.1 408");
        }
        assertThat(edge.edge.metrics().get("http.header_timeout")).isGreaterThan(before);
    }

    @Test
    void survivesManyHalfOpenHandshakes() throws Exception {
        Socket[] sockets = new Socket[200];
        try {
            for (int i = 0; i < sockets.length; i++) {
                sockets[i] = new Socket("127.0.0.1", edge.port());
                sockets[i].getOutputStream().write(new byte[] {0x16, 0x03, 0x01});
            }
            assertThat(edge.probe.get(edge.port(), HOST, "/")).startsWith("HTTP/1.1 200");
        } finally {
            for (Socket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }
}
