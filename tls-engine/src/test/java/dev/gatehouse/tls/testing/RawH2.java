package dev.gatehouse.tls.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;

/**
 * HTTP/2 frames written and read by hand on a TLS socket (ALPN h2), for requests no client library
 * will send: missing or misplaced pseudo-headers, upper-case names, connection-specific fields, a
 * content-length that does not match the DATA (RFC 9113 §8.1.1, §8.2, §8.3). Header blocks are
 * HPACK literals without indexing (RFC 7541 §6.2.2), so no encoder state is involved; frames from
 * the server are read by type, flags and stream, their payload undecoded.
 */
public final class RawH2 implements AutoCloseable {

    public static final int DATA = 0;
    public static final int HEADERS = 1;
    public static final int RST_STREAM = 3;
    public static final int SETTINGS = 4;
    public static final int GOAWAY = 7;
    public static final int END_STREAM = 1;
    public static final int END_HEADERS = 4;

    /** One frame from the server. */
    public record Frame(int type, int flags, int stream, byte[] payload) {
        /** The error code of a RST_STREAM, or of a GOAWAY (after its last-stream-id). */
        public long errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xffL) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8)
                    | (payload[at + 3] & 0xff);
        }

        @Override
        public String toString() {
            String extra = type == RST_STREAM || type == GOAWAY ? " error=" + errorCode() : "";
            if (type == GOAWAY && payload.length > 8) {
                extra += " debug=" + new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8);
            }
            return "frame type=" + type + " flags=" + flags + " stream=" + stream + extra;
        }
    }

    private final SSLSocket socket;
    private final DataInputStream in;
    private final OutputStream out;

    public RawH2(SSLSocket socket) throws IOException {
        if (!"h2".equals(socket.getApplicationProtocol())) {
            throw new IOException("ALPN did not select h2: " + socket.getApplicationProtocol());
        }
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, new byte[0]);
    }

    public void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] h = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
            (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8),
            (byte) stream};
        out.write(h);
        out.write(payload);
        out.flush();
    }

    /** HEADERS with END_HEADERS; {@code fields} are name, value pairs, sent as given (any case, any order). */
    public void headers(int stream, boolean endStream, String... fields) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (int i = 0; i < fields.length; i += 2) {
            block.write(0); // literal header field without indexing, new name
            string(block, fields[i]);
            string(block, fields[i + 1]);
        }
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block.toByteArray());
    }

    public void data(int stream, boolean endStream, byte[] bytes) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] v = s.getBytes(StandardCharsets.ISO_8859_1);
        int n = v.length; // 7-bit prefix integer (RFC 7541 §5.1), no Huffman
        if (n < 127) {
            b.write(n);
        } else {
            b.write(127);
            n -= 127;
            while (n >= 128) {
                b.write((n & 127) | 128);
                n >>>= 7;
            }
            b.write(n);
        }
        b.write(v, 0, v.length);
    }

    /** The next frame; SETTINGS from the server are acknowledged on the way. */
    public Frame next() throws IOException {
        int len = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[len];
        in.readFully(payload);
        if (type == SETTINGS && (flags & 1) == 0) {
            frame(SETTINGS, 1, 0, new byte[0]);
        }
        return new Frame(type, flags, stream, payload);
    }

    /**
     * Reads until {@code stream} ends: its RST_STREAM, a frame of it with END_STREAM, or a GOAWAY
     * (returned, the connection is done).
     */
    public Frame awaitEnd(int stream) throws IOException {
        while (true) {
            Frame f = next();
            if (f.type() == GOAWAY || (f.stream() == stream && (f.type() == RST_STREAM
                    || ((f.type() == HEADERS || f.type() == DATA) && (f.flags() & END_STREAM) != 0)))) {
                return f;
            }
        }
    }

    /** Reads until a HEADERS frame of {@code stream} (its response head), or anything that ends it. */
    public Frame awaitHeaders(int stream) throws IOException {
        while (true) {
            Frame f = next();
            if (f.type() == GOAWAY || (f.stream() == stream && (f.type() == HEADERS || f.type() == RST_STREAM))) {
                return f;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
