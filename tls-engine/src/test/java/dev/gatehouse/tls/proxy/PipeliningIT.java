package dev.gatehouse.tls.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.testing.TestEdge;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 pipelining (RFC 9112 §9.3): several requests sent in one write over one TLS connection
 * are all answered, in order, bodies included, and {@code Connection: close} on the last one closes
 * the connection right after its answer.
 */
class PipeliningIT {

    private static final String HOST = "app.tenant-a.test";
    private static TestEdge edge;

    @BeforeAll
    static void start() throws Exception {
        edge = new TestEdge();
        edge.serveEc("tenant-a", HOST);
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static String get(String path, String extraHeaders) {
        return "GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\n" + extraHeaders + "\r\n";
    }

    private static String postFixed(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: "
                + body.getBytes(StandardCharsets.ISO_8859_1).length + "\r\n\r\n" + body;
    }

    private static String postChunked(String path, String... chunks) {
        StringBuilder b = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: " + HOST
                + "\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (String c : chunks) {
            b.append(Integer.toHexString(c.length())).append("\r\n").append(c).append("\r\n");
        }
        return b.append("0\r\n\r\n").toString();
    }

    private static void writeOnce(SSLSocket s, String requests) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(requests.getBytes(StandardCharsets.ISO_8859_1)); // one write: one TLS record for small batches
        out.flush();
    }

    @Test
    void answersTwoRequestsSentInOneWriteInOrder() throws Exception {
        try (SSLSocket s = edge.probe.connect(edge.port(), HOST)) {
            writeOnce(s, get("/p/1", "") + get("/p/2", ""));
            InputStream in = s.getInputStream();
            Response first = Response.read(in);
            Response second = Response.read(in);
            assertThat(first.status).isEqualTo(200);
            assertThat(first.body).contains("request: GET /p/1\n");
            assertThat(second.status).isEqualTo(200);
            assertThat(second.body).contains("request: GET /p/2\n");
            // and the connection is still good for more
            writeOnce(s, get("/p/3", "Connection: close\r\n"));
            assertThat(Response.read(in).body).contains("request: GET /p/3\n");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void answersTenRequestsWithBodiesInOrderAndClosesAfterTheLast() throws Exception {
        String big = "b".repeat(300_000); // spans many TLS records and socket reads: the body streams with backpressure
        List<String> requests = List.of(
                get("/p/0", ""),
                postFixed("/echo/1", "fixed-body-1"),
                postChunked("/echo/2", "chunk-2a;", "chunk-2b"),
                get("/p/3", ""),
                postFixed("/p/4", "counted-not-echoed"),
                get("/p/5", "Host-Ignored: x\r\n"),
                postFixed("/echo/6", big),
                postChunked("/p/7", "seven"),
                get("/p/8", ""),
                get("/p/9", "Connection: close\r\n"));
        try (SSLSocket s = edge.probe.connect(edge.port(), HOST)) {
            s.setSoTimeout(15_000); // a dropped request would otherwise leave us waiting for the idle timeout
            writeOnce(s, String.join("", requests));
            InputStream in = s.getInputStream();
            List<Response> responses = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                responses.add(Response.read(in));
            }
            assertThat(responses).allSatisfy(r -> assertThat(r.status).isEqualTo(200));
            assertThat(responses.get(0).body).contains("request: GET /p/0\n");
            assertThat(responses.get(1).body).isEqualTo("fixed-body-1");
            assertThat(responses.get(2).body).isEqualTo("chunk-2a;chunk-2b");
            assertThat(responses.get(3).body).contains("request: GET /p/3\n");
            assertThat(responses.get(4).body).contains("request: POST /p/4\n").contains("body-bytes: 18\n");
            assertThat(responses.get(5).body).contains("request: GET /p/5\n");
            assertThat(responses.get(6).body).hasSize(big.length()).isEqualTo(big);
            assertThat(responses.get(7).body).contains("request: POST /p/7\n").contains("body-bytes: 5\n");
            assertThat(responses.get(8).body).contains("request: GET /p/8\n");
            assertThat(responses.get(9).body).contains("request: GET /p/9\n");
            assertThat(responses.get(9).headers.get("connection")).isEqualToIgnoringCase("close");
            assertThat(responses.subList(0, 9)).allSatisfy(r -> assertThat(r.headers).doesNotContainKey("connection"));
            assertThat(readEnd(in)).as("the server closes after the Connection: close request").isEqualTo(-1);
        }
    }

    @Test
    void answersAMisdirectedRequestInItsPlaceAndKeepsServingTheRest() throws Exception {
        long before = edge.edge.metrics().get("http.misdirected");
        try (SSLSocket s = edge.probe.connect(edge.port(), HOST)) {
            writeOnce(s, get("/p/1", "") + "GET /p/2 HTTP/1.1\r\nHost: other.name\r\n\r\n"
                    + postFixed("/echo/3", "three") + get("/p/4", "Connection: close\r\n"));
            InputStream in = s.getInputStream();
            assertThat(Response.read(in).body).contains("request: GET /p/1\n");
            assertThat(Response.read(in).status).isEqualTo(421);
            assertThat(Response.read(in).body).isEqualTo("three");
            assertThat(Response.read(in).body).contains("request: GET /p/4\n");
            assertThat(readEnd(in)).isEqualTo(-1);
        }
        assertThat(edge.edge.metrics().get("http.misdirected") - before).isEqualTo(1);
    }

    private static int readEnd(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (SocketTimeoutException e) {
            return -2; // still open
        }
    }

    /** A minimal HTTP/1.1 response reader: status, lower-cased headers, body by Content-Length or chunked. */
    private record Response(int status, Map<String, String> headers, String body) {

        static Response read(InputStream in) throws IOException {
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h; !(h = line(in)).isEmpty(); ) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                for (int size; (size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0; ) {
                    body.write(exactly(in, size));
                    line(in);
                }
                while (!line(in).isEmpty()) {
                    // trailers
                }
            } else if (headers.containsKey("content-length")) {
                body.write(exactly(in, Integer.parseInt(headers.get("content-length"))));
            }
            return new Response(status, headers, body.toString(StandardCharsets.ISO_8859_1));
        }

        private static byte[] exactly(InputStream in, int n) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length < n) {
                throw new EOFException("body ended after " + b.length + " of " + n + " bytes");
            }
            return b;
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new EOFException("connection closed after '" + b + "' (expected: a complete response)");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }
    }
}
