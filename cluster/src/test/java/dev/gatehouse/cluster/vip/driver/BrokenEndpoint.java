package dev.gatehouse.cluster.vip.driver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP endpoint on 127.0.0.1 that misbehaves as a broken network path or a wedged EC2 endpoint
 * would: it reads the request and then does one of the {@link Behaviour}s. Raw sockets, not an HTTP
 * server, so that it can stop half-way through a response or never accept at all. Closed by the
 * test ({@link #close}), which also releases every stalled connection.
 */
final class BrokenEndpoint implements AutoCloseable {

    /** What the endpoint does with a connection. */
    enum Behaviour {
        /** Accepts and reads the request, never answers. */
        ACCEPT_AND_NEVER_ANSWER,
        /** Answers a status line and headers promising a body, then stalls. */
        HEADERS_THEN_STALL,
        /** Sends half of a promised body, then stalls. */
        HALF_A_BODY_THEN_STALL,
        /** Listens but its accept queue is full: the TCP handshake never completes. */
        NEVER_ACCEPT,
        /** Accepts, reads the request, closes without a byte. */
        CLOSE_WITHOUT_ANSWER,
        /** Answers headers, half the promised body, then closes. */
        HEADERS_THEN_CLOSE,
        /** Answers bytes that are not HTTP (HttpURLConnection: "Invalid Http response"). */
        NOT_HTTP
    }

    private static final String BODY = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AssignPrivateIpAddressesResponse"
            + " xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId>"
            + "<networkInterfaceId>eni-1</networkInterfaceId></AssignPrivateIpAddressesResponse>";

    private final Behaviour behaviour;
    private final ServerSocket server;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger requestsRead = new AtomicInteger();

    BrokenEndpoint(Behaviour behaviour) throws IOException {
        this.behaviour = behaviour;
        if (behaviour == Behaviour.NEVER_ACCEPT) {
            server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            fillAcceptQueue();
        } else {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::acceptLoop, "broken-endpoint-" + behaviour);
            acceptor.setDaemon(true);
            acceptor.start();
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /**
     * Connects to the never-accepting socket until the kernel drops a SYN (its accept queue, backlog
     * plus one, is full); those connections stay open so the next client's handshake hangs.
     */
    private void fillAcceptQueue() throws IOException {
        for (int i = 0; i < 64; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 300);
                sockets.add(s);
            } catch (SocketTimeoutException full) {
                s.close();
                return;
            }
        }
        throw new IOException("the accept queue of a backlog-1 socket never filled (64 connections)");
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "broken-endpoint-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** How many requests have been read in full (the client is now waiting for the answer). */
    int requestsRead() {
        return requestsRead.get();
    }

    private void serve(Socket s) {
        try (s) {
            readRequest(s.getInputStream());
            requestsRead.incrementAndGet();
            OutputStream out = s.getOutputStream();
            byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
            String headers = "HTTP/1.1 200 OK\r\nContent-Type: text/xml;charset=UTF-8\r\nx-amzn-RequestId: r\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n";
            switch (behaviour) {
                case ACCEPT_AND_NEVER_ANSWER -> stall();
                case HEADERS_THEN_STALL -> {
                    out.write(headers.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    stall();
                }
                case HALF_A_BODY_THEN_STALL -> {
                    out.write(headers.getBytes(StandardCharsets.US_ASCII));
                    out.write(body, 0, body.length / 2);
                    out.flush();
                    stall();
                }
                case CLOSE_WITHOUT_ANSWER -> {
                }
                case HEADERS_THEN_CLOSE -> {
                    out.write(headers.getBytes(StandardCharsets.US_ASCII));
                    out.write(body, 0, body.length / 2);
                    out.flush();
                }
                case NOT_HTTP -> {
                    out.write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                case NEVER_ACCEPT -> throw new AssertionError("never accepted");
            }
        } catch (IOException e) {
            // the client gave up: expected
        }
    }

    /** Reads the request head and its Content-Length body, so the client is never stuck writing. */
    private static void readRequest(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            head.append((char) b);
        }
        for (String line : head.toString().split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                in.readNBytes(Integer.parseInt(line.substring(15).trim()));
            }
        }
    }

    private void stall() {
        try {
            closing.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        closing.countDown();
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
