package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.testing.H2Client;
import dev.gatehouse.tls.testing.TestEdge;
import dev.gatehouse.tls.testing.TestEdgeExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A planned VIP move drains the address ({@link EdgeServer#drainAddress}) under clients that keep
 * sending requests on keep-alive connections, again and again: no request may fail, and every
 * drain must end with no connection left open on the address (one left open is reset when the
 * neighbours switch to the new owner). The clients are strict: a request written and not answered
 * with 200 is a failure, not retried (HTTP/1.1 over a TLS socket; HTTP/2 on Netty's codec, which
 * does not retry a stream the server's GOAWAY cut off). A client whose connection was closed (after
 * {@code Connection: close}, or GOAWAY) reconnects once the address takes new connections again:
 * new connections during a move belong to the new owner, which is not this test's subject.
 */
class AddressDrainIT {

    private static final String HOST = "app.tenant-a.test";
    private static final int CLIENTS = 8;
    private static final int MAX_DRAINS = 400;
    private static final Duration RUN = Duration.ofSeconds(10);
    /** What the VIP applier gives a drain (Applier.DRAIN_LIMIT). */
    private static final Duration DRAIN_LIMIT = Duration.ofMillis(500);

    @RegisterExtension
    static final TestEdgeExtension EDGE = new TestEdgeExtension(e -> e.serveEc("a", HOST));

    @Test
    void drainsHttp2ConnectionsWithoutLosingARequest() throws Exception {
        TestEdge edge = EDGE.edge();
        hammerWhileDraining("h2", () -> new H2Session(H2Client.connect(edge.port(), HOST, edge.pki.caPem())));
    }

    @Test
    void drainsHttp11KeepAliveConnectionsWithoutLosingARequest() throws Exception {
        TestEdge edge = EDGE.edge();
        hammerWhileDraining("h1", () -> new H1Session(edge.probe.connect(edge.port(), HOST)));
    }

    /** One keep-alive client connection. */
    private interface Session extends AutoCloseable {
        /** Whether another request may go on this connection (the server has not said it closes). */
        boolean usable();

        /**
         * One request; throws unless it got a 200 with its whole body.
         *
         * @return false when it was not sent (the server had said it closes)
         */
        boolean request() throws Exception;
    }

    private interface Opener {
        Session open() throws Exception;
    }

    private void hammerWhileDraining(String protocol, Opener opener) throws Exception {
        EdgeServer edge = EDGE.edge().edge;
        InetAddress address = InetAddress.getByName("127.0.0.1");
        Hammer h = new Hammer(opener);
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Thread t = new Thread(h::run, "drain-client-" + protocol + "-" + i);
            t.setDaemon(true);
            t.start();
            clients.add(t);
        }
        List<String> leftOpen = new ArrayList<>();
        long end = System.nanoTime() + RUN.toNanos();
        try {
            while (h.drains.get() < MAX_DRAINS && System.nanoTime() < end) {
                // every client has a connection that has served a request since the last drain
                await().atMost(Duration.ofSeconds(10)).until(() -> h.serving.get() >= CLIENTS);
                // at a varying point of the clients' request cycles
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(ThreadLocalRandom.current().nextInt(3000)));
                int drain = h.drains.incrementAndGet();
                h.draining = true;
                int left = edge.drainAddress(address, DRAIN_LIMIT);
                if (left != 0) {
                    leftOpen.add("drain " + drain + ": " + left + " left open");
                }
                h.serving.set(0);
                h.epoch.incrementAndGet();
                edge.resumeAddress(address);
                h.draining = false;
            }
        } finally {
            h.stop = true;
            for (Thread t : clients) {
                t.join(10_000);
            }
        }
        long losing = h.failures.stream().map(f -> f.substring(0, f.indexOf(':'))).distinct().count();
        System.out.printf("event=address_drain_hammered protocol=%s clients=%d drains=%d drains_losing_a_request=%d "
                + "drains_leaving_connections=%d requests_ok=%d failed=%d%n", protocol, CLIENTS, h.drains.get(), losing,
                leftOpen.size(), h.ok.get(), h.failures.size());
        h.failures.stream().limit(20).forEach(f -> System.out.println("  failed: " + f));
        assertThat(h.drains.get()).as("drains made").isGreaterThanOrEqualTo(10);
        assertThat(h.ok.get()).as("requests answered").isGreaterThan(100L);
        assertThat(h.failures).as("requests failed while the address drained (%d drains)", h.drains.get()).isEmpty();
        assertThat(leftOpen).as("drains that ended with connections open").isEmpty();
    }

    /** The client loops: each keeps one connection busy, and opens a new one when it must. */
    private static final class Hammer {
        final Opener opener;
        final AtomicInteger drains = new AtomicInteger();
        /** Clients whose current connection has served a request since the last drain. */
        final AtomicInteger serving = new AtomicInteger();
        /** Counts the drains ended: a client counts itself in {@link #serving} once per epoch. */
        final AtomicInteger epoch = new AtomicInteger();
        final AtomicLong ok = new AtomicLong();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        volatile boolean draining;
        volatile boolean stop;

        Hammer(Opener opener) {
            this.opener = opener;
        }

        void run() {
            int countedEpoch = -1;
            while (!stop) {
                if (draining) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // reconnect once it takes connections again
                    continue;
                }
                Session s;
                try {
                    s = opener.open();
                } catch (Exception e) {
                    continue; // no request was sent
                }
                try (s) {
                    while (!stop && s.usable()) {
                        try {
                            if (!s.request()) {
                                break;
                            }
                        } catch (Exception e) {
                            failures.add("drain " + drains.get() + ": " + e); // the drain under way when it failed
                            break;
                        }
                        ok.incrementAndGet();
                        int e = epoch.get();
                        if (e != countedEpoch) {
                            countedEpoch = e;
                            serving.incrementAndGet();
                        }
                        // a client's think time: what gives the drain idle keep-alive connections to find
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(ThreadLocalRandom.current().nextInt(2000)));
                    }
                } catch (Exception e) {
                    // closing
                }
            }
        }
    }

    /** HTTP/1.1 keep-alive over one TLS socket. */
    private static final class H1Session implements Session {
        private final SSLSocket socket;
        private final InputStream in;
        private final OutputStream out;
        private boolean closing;

        H1Session(SSLSocket socket) throws IOException {
            this.socket = socket;
            socket.setSoTimeout(5000);
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        @Override
        public boolean usable() {
            return !closing;
        }

        @Override
        public boolean request() throws IOException {
            out.write(("GET /healthz HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead().toLowerCase(Locale.ROOT);
            if (!head.startsWith("http/1.1 200")) {
                throw new IOException("answered " + head.lines().findFirst().orElse(""));
            }
            int at = head.indexOf("\r\ncontent-length:");
            if (at < 0) {
                throw new IOException("no content-length: " + head);
            }
            int length = Integer.parseInt(head.substring(at + 17, head.indexOf('\r', at + 2)).trim());
            if (in.readNBytes(length).length != length) {
                throw new IOException("body cut short");
            }
            closing = head.contains("\r\nconnection: close");
            return true;
        }

        private String readHead() throws IOException {
            StringBuilder b = new StringBuilder();
            while (b.length() < 4 || !b.substring(b.length() - 4).equals("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("connection closed after " + b.length() + " bytes of the response head");
                }
                b.append((char) c);
            }
            return b.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** HTTP/2: one stream at a time on one connection; no new stream once the server has sent GOAWAY. */
    private static final class H2Session implements Session {
        private final H2Client client;

        H2Session(H2Client client) {
            this.client = client;
        }

        @Override
        public boolean usable() {
            return client.isOpen() && !client.serverGoAway().isDone();
        }

        @Override
        public boolean request() throws Exception {
            H2Client.Stream s = client.openUnlessGoingAway(H2Client.headers("GET", HOST, "/healthz"));
            s.done.get(5, TimeUnit.SECONDS);
            if (s.notSent) {
                return false;
            }
            if (s.status() != 200 || s.bytes == 0) {
                throw new IOException(s.toString());
            }
            return true;
        }

        @Override
        public void close() throws Exception {
            client.close();
        }
    }
}
