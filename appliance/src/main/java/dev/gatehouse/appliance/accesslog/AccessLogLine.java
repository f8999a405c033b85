package dev.gatehouse.appliance.accesslog;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.tls.observe.HandshakeRecord;
import dev.gatehouse.tls.observe.RequestRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Formats one access-log line: a JSON object on one physical line, ended by {@code \n}, written with
 * Jackson's streaming {@link JsonGenerator}. Everything a client controls (Host, path, SNI, method)
 * is escaped: quotes and backslashes, control characters ({@code \n}, {@code \r}, ESC ...) and every
 * non-ASCII character as {@code \\uXXXX}, so a line is 7-bit clean and a hostile value can neither
 * end it nor forge another. Netty decodes header bytes one to one into chars 0-255, so bytes that are
 * not valid UTF-8 arrive as such chars and leave as {@code \\u00XX}; an unpaired surrogate becomes
 * U+FFFD. Not thread-safe: one instance per writer thread.
 *
 * <p>Fields, in this order (absent values are written as {@code null}, durations in milliseconds with
 * three decimals, -1 when not applicable): {@code ts} (UTC, ISO-8601, milliseconds), {@code type}
 * ({@code request} or {@code handshake}), {@code node}, {@code client}, {@code clientPort},
 * {@code sni}, {@code host}, {@code tenant}, {@code certificate}, {@code pool}, {@code server},
 * {@code method}, {@code path}, {@code protocol}, {@code status}, {@code bytesIn}, {@code bytesOut},
 * {@code handshakeMs}, {@code connectMs}, {@code ttfbMs}, {@code totalMs}, {@code tls} ({@code
 * version}, {@code cipher}, {@code group}, {@code resumed}), {@code requestId}, {@code cause},
 * {@code upstreamError}. A refused handshake's line carries {@code type: handshake}, the handshake's
 * fields and its reason as {@code cause}.
 */
final class AccessLogLine {

    /** The fields, in the order lines carry them; names as in the configuration's {@code accessLog.fields}. */
    enum Field {
        TS("ts"), TYPE("type"), NODE("node"), CLIENT("client"), CLIENT_PORT("clientPort"), SNI("sni"), HOST("host"),
        TENANT("tenant"), CERTIFICATE("certificate"), POOL("pool"), SERVER("server"), METHOD("method"), PATH("path"),
        PROTOCOL("protocol"), STATUS("status"), BYTES_IN("bytesIn"), BYTES_OUT("bytesOut"),
        HANDSHAKE_MS("handshakeMs"), CONNECT_MS("connectMs"), TTFB_MS("ttfbMs"), TOTAL_MS("totalMs"), TLS("tls"),
        REQUEST_ID("requestId"), CAUSE("cause"), UPSTREAM_ERROR("upstreamError");

        final String key;

        Field(String key) {
            this.key = key;
        }

        static Field named(String key) {
            for (Field f : values()) {
                if (f.key.equals(key)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("access log field: '" + key + "' (expected: one of "
                    + ConfigLoader.ACCESS_LOG_FIELDS + ")");
        }
    }

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final JsonFactory json = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
    private final String node;
    private final Set<Field> fields;
    private final boolean query;
    private final Function<String, String> tenantOf;

    /**
     * @param fields   the subset to write (empty: all)
     * @param query    keep the query string in {@code path}
     * @param tenantOf certificate id → tenant id, or null when unknown (called on the writer thread)
     */
    AccessLogLine(String node, List<String> fields, boolean query, Function<String, String> tenantOf) {
        this.node = node;
        this.query = query;
        this.tenantOf = tenantOf;
        EnumSet<Field> set = fields.isEmpty() ? EnumSet.allOf(Field.class) : EnumSet.noneOf(Field.class);
        fields.forEach(f -> set.add(Field.named(f)));
        this.fields = set;
    }

    /** The line of a finished request, {@code \n} included. */
    byte[] format(RequestRecord r) throws IOException {
        buffer.reset();
        try (JsonGenerator g = json.createGenerator(buffer, JsonEncoding.UTF8)) {
            g.writeStartObject();
            if (on(Field.TS)) {
                g.writeStringField("ts", TS.format(Instant.ofEpochMilli(r.startEpochMillis())));
            }
            string(g, Field.TYPE, "request");
            string(g, Field.NODE, node);
            client(g, r.client());
            string(g, Field.SNI, r.sni());
            string(g, Field.HOST, r.host());
            string(g, Field.TENANT, r.certificateId() == null ? null : tenantOf.apply(r.certificateId()));
            string(g, Field.CERTIFICATE, r.certificateId());
            string(g, Field.POOL, r.pool());
            string(g, Field.SERVER, r.server());
            string(g, Field.METHOD, r.method());
            string(g, Field.PATH, query && r.query() != null ? r.path() + "?" + r.query() : r.path());
            string(g, Field.PROTOCOL, r.protocol());
            number(g, Field.STATUS, r.status());
            number(g, Field.BYTES_IN, r.bytesIn());
            number(g, Field.BYTES_OUT, r.bytesOut());
            millis(g, Field.HANDSHAKE_MS, r.handshakeNanos());
            millis(g, Field.CONNECT_MS, r.connectNanos());
            millis(g, Field.TTFB_MS, r.ttfbNanos());
            millis(g, Field.TOTAL_MS, r.totalNanos());
            tls(g, r.tlsVersion(), r.cipher(), r.group(), r.resumed());
            string(g, Field.REQUEST_ID, r.requestId());
            string(g, Field.CAUSE, r.cause());
            string(g, Field.UPSTREAM_ERROR, r.upstreamError());
            g.writeEndObject();
        }
        buffer.write('\n');
        return buffer.toByteArray();
    }

    /** The line of a (refused) handshake, {@code \n} included: request fields are left out. */
    byte[] format(HandshakeRecord h) throws IOException {
        buffer.reset();
        try (JsonGenerator g = json.createGenerator(buffer, JsonEncoding.UTF8)) {
            g.writeStartObject();
            if (on(Field.TS)) {
                g.writeStringField("ts", TS.format(Instant.ofEpochMilli(h.epochMillis())));
            }
            string(g, Field.TYPE, "handshake");
            string(g, Field.NODE, node);
            client(g, h.client());
            string(g, Field.SNI, h.sni());
            string(g, Field.TENANT, h.certificateId() == null ? null : tenantOf.apply(h.certificateId()));
            string(g, Field.CERTIFICATE, h.certificateId());
            millis(g, Field.HANDSHAKE_MS, h.durationNanos());
            tls(g, h.tlsVersion(), h.cipher(), h.group(), "resumed".equals(h.outcome()));
            string(g, Field.CAUSE, h.ok() ? null : h.outcome());
            g.writeEndObject();
        }
        buffer.write('\n');
        return buffer.toByteArray();
    }

    private boolean on(Field f) {
        return fields.contains(f);
    }

    private void client(JsonGenerator g, InetSocketAddress client) throws IOException {
        string(g, Field.CLIENT, client == null || client.getAddress() == null ? null
                : client.getAddress().getHostAddress());
        if (on(Field.CLIENT_PORT)) {
            if (client == null) {
                g.writeNullField(Field.CLIENT_PORT.key);
            } else {
                g.writeNumberField(Field.CLIENT_PORT.key, client.getPort());
            }
        }
    }

    private void tls(JsonGenerator g, String version, String cipher, String group, boolean resumed)
            throws IOException {
        if (!on(Field.TLS)) {
            return;
        }
        if (version == null) {
            g.writeNullField(Field.TLS.key);
            return;
        }
        g.writeObjectFieldStart(Field.TLS.key);
        writeString(g, "version", version);
        writeString(g, "cipher", cipher);
        writeString(g, "group", group);
        g.writeBooleanField("resumed", resumed);
        g.writeEndObject();
    }

    private void string(JsonGenerator g, Field f, String value) throws IOException {
        if (on(f)) {
            writeString(g, f.key, value);
        }
    }

    private static void writeString(JsonGenerator g, String key, String value) throws IOException {
        if (value == null) {
            g.writeNullField(key);
        } else {
            g.writeStringField(key, wellFormed(value));
        }
    }

    private void number(JsonGenerator g, Field f, long value) throws IOException {
        if (on(f)) {
            g.writeNumberField(f.key, value);
        }
    }

    /** Nanoseconds as milliseconds with three decimals (microsecond resolution); -1 stays -1. */
    private void millis(JsonGenerator g, Field f, long nanos) throws IOException {
        if (!on(f)) {
            return;
        }
        if (nanos < 0) {
            g.writeNumberField(f.key, -1);
        } else {
            g.writeFieldName(f.key);
            g.writeNumber(java.math.BigDecimal.valueOf(nanos / 1000, 3));
        }
    }

    /** {@code s} with every unpaired surrogate replaced by U+FFFD (Jackson refuses to encode them). */
    static String wellFormed(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean bad;
            if (Character.isHighSurrogate(c)) {
                bad = i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
                if (!bad) {
                    if (out != null) {
                        out.append(c).append(s.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
            } else {
                bad = Character.isLowSurrogate(c);
            }
            if (bad && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null) {
                out.append(bad ? '\uFFFD' : c);
            }
        }
        return out == null ? s : out.toString();
    }
}
