package dev.gatehouse.appliance.accesslog;

import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.tls.observe.HandshakeRecord;
import dev.gatehouse.tls.observe.RequestRecord;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Formats one access-log line: a JSON object on one physical line, ended by {@code \n}, written into
 * a {@link JsonLine} (bytes, no intermediate strings). Everything a client controls (Host, path, SNI, method)
 * is escaped: quotes and backslashes, control characters ({@code \n}, {@code \r}, ESC ...) and every
 * non-ASCII character as {@code \\uXXXX}, so a line is 7-bit clean and a hostile value can neither
 * end it nor forge another. Netty decodes header bytes one to one into chars 0-255, so bytes that are
 * not valid UTF-8 arrive as such chars and leave as {@code \\u00XX}; an unpaired surrogate becomes
 * U+FFFD. Not thread-safe: one instance per producing thread.
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

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final byte[][] KEYS = new byte[Field.values().length][];
    private static final byte[] VERSION = JsonLine.key("version");
    private static final byte[] CIPHER = JsonLine.key("cipher");
    private static final byte[] GROUP = JsonLine.key("group");
    private static final byte[] RESUMED = JsonLine.key("resumed");

    static {
        for (Field f : Field.values()) {
            KEYS[f.ordinal()] = JsonLine.key(f.key);
        }
    }

    private static final int SLOT_VERSION = Field.values().length;
    private static final int SLOT_CIPHER = SLOT_VERSION + 1;
    private static final int SLOT_GROUP = SLOT_VERSION + 2;

    private final String node;
    /** The last value written per field (and per TLS sub-field), and its field's bytes; see {@link #string}. */
    private final String[] lastValue = new String[SLOT_GROUP + 1];
    private final byte[][] lastBytes = new byte[SLOT_GROUP + 1][];
    /** The value per field before the last one, and its bytes: two values taking turns both hit. */
    private final String[] olderValue = new String[Field.values().length];
    private final byte[][] olderBytes = new byte[Field.values().length][];
    /**
     * The fields after {@code ts} that every line of a connection shares ({@code type} to {@code sni}),
     * as the last line from that client port wrote them, and what they were written from: replayed in
     * one copy while the line's kind, client address and SNI are the same. One entry per client port
     * modulo {@value #HEADS}: an event loop interleaves the lines of many keep-alive connections, so a
     * single "last line" entry missed on nearly every line under load (64 connections: the line before
     * was another connection's).
     */
    private static final int HEADS = 64;
    private final Head[] heads = new Head[HEADS];
    /** This line's {@link #heads} entry (set by {@link #begin}); for a line without a client, {@link #noClient}. */
    private Head current;
    private final Head noClient = new Head();
    /**
     * {@code tenant} and {@code certificate} as the last line wrote them, replayed while the certificate
     * id is that very instance (a connection's, shared by a busy certificate's connections) and the
     * second the same: the tenant is looked up once a second per certificate, not per request.
     */
    private final Run served = new Run();
    private String servedCertificate;
    /** The last {@code "tls":{...}} field's bytes, for the TLS facts in {@code lastValue} and {@link #lastResumed}. */
    private byte[] lastTls;
    private boolean lastResumed;
    private final boolean[] on = new boolean[Field.values().length];
    private final boolean query;
    private final Function<String, String> tenantOf;
    /** The timestamp up to the seconds ({@code "2026-12-01T09:30:00.}) of the last line's second. */
    private long cachedSecond = Long.MIN_VALUE;
    private byte[] cachedPrefix;

    /**
     * @param fields   the subset to write (empty: all)
     * @param query    keep the query string in {@code path}
     * @param tenantOf certificate id → tenant id, or null when unknown (called on the producing thread)
     */
    AccessLogLine(String node, List<String> fields, boolean query, Function<String, String> tenantOf) {
        this.node = node;
        this.query = query;
        this.tenantOf = tenantOf;
        EnumSet<Field> set = fields.isEmpty() ? EnumSet.allOf(Field.class) : EnumSet.noneOf(Field.class);
        fields.forEach(f -> set.add(Field.named(f)));
        set.forEach(f -> on[f.ordinal()] = true);
    }

    /** The line of a finished request, {@code \n} included. */
    byte[] format(RequestRecord r) {
        JsonLine out = new JsonLine(512);
        append(r, out);
        return out.toByteArray();
    }

    /** The line of a (refused) handshake, {@code \n} included. */
    byte[] format(HandshakeRecord h) {
        JsonLine out = new JsonLine(256);
        append(h, out);
        return out.toByteArray();
    }

    /** Appends the line of a finished request, {@code \n} included. */
    void append(RequestRecord r, JsonLine g) {
        begin(g, r.startEpochMillis(), "request", r.client(), r.sni());
        string(g, Field.HOST, r.host());
        certificate(g, r.certificateId());
        route(g, r);
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
        g.endObject(true);
    }

    /** Appends the line of a (refused) handshake, {@code \n} included: request fields are left out. */
    void append(HandshakeRecord h, JsonLine g) {
        begin(g, h.epochMillis(), "handshake", h.client(), h.sni());
        certificate(g, h.certificateId());
        millis(g, Field.HANDSHAKE_MS, h.durationNanos());
        tls(g, h.tlsVersion(), h.cipher(), h.group(), "resumed".equals(h.outcome()));
        string(g, Field.CAUSE, h.ok() ? null : h.outcome());
        g.endObject(true);
    }

    /** Opens a line with the fields both kinds start with: when, which kind, where and from whom. */
    private void begin(JsonLine g, long epochMillis, String type, InetSocketAddress client, String sni) {
        g.beginObject();
        long second = Math.floorDiv(epochMillis, 1000);
        if (second != cachedSecond) {
            cachedSecond = second;
            cachedPrefix = null;
            servedCertificate = null;
        }
        timestamp(g, epochMillis);
        Head h = client == null ? noClient : head(client.getPort());
        current = h;
        if (client != null && type == h.type && (client == h.client || client.equals(h.client))
                && same(sni, h.sni) && h.run.replay(g)) {
            return;
        }
        int mark = h.run.mark(g);
        string(g, Field.TYPE, type);
        string(g, Field.NODE, node);
        client(g, client);
        string(g, Field.SNI, sni);
        if (client != null) {
            h.run.keep(g, mark);
            h.type = type;
            h.client = client;
            h.sni = sni;
        }
    }

    /** The {@link #heads} entry of a client port (created on first use). */
    private Head head(int port) {
        int slot = port & (HEADS - 1);
        Head h = heads[slot];
        if (h == null) {
            h = new Head();
            heads[slot] = h;
        }
        return h;
    }

    /**
     * One connection's {@link #heads} entry: its head run ({@code type} to {@code sni}) and its route
     * run ({@code pool} to {@code protocol}), each with what it was written from.
     */
    private static final class Head {
        final Run run = new Run();
        String type;
        InetSocketAddress client;
        String sni;
        final Run route = new Run();
        String pool;
        String server;
        String method;
        String path;
        String query;
        String protocol;
    }

    /**
     * {@code pool} to {@code protocol} (with the query, when kept, inside {@code path}), replayed from the
     * connection's entry while all of them are what its last line wrote: a connection's requests mostly
     * go the same way.
     */
    private void route(JsonLine g, RequestRecord r) {
        String q = query ? r.query() : null;
        Head h = current;
        if (same(r.pool(), h.pool) && same(r.server(), h.server) && same(r.method(), h.method)
                && same(r.path(), h.path) && same(q, h.query) && same(r.protocol(), h.protocol)
                && h.route.replay(g)) {
            return;
        }
        int mark = h.route.mark(g);
        string(g, Field.POOL, r.pool());
        string(g, Field.SERVER, r.server());
        string(g, Field.METHOD, r.method());
        if (q != null) {
            if (on(Field.PATH)) {
                g.name(KEYS[Field.PATH.ordinal()]);
                g.string(String.valueOf(r.path()), '?', q);
            }
        } else {
            string(g, Field.PATH, r.path());
        }
        string(g, Field.PROTOCOL, r.protocol());
        h.route.keep(g, mark);
        h.pool = r.pool();
        h.server = r.server();
        h.method = r.method();
        h.path = r.path();
        h.query = q;
        h.protocol = r.protocol();
    }

    /**
     * The certificate served and its tenant (looked up only when the tenant field is on, and see
     * {@link #served}: a certificate moved to another tenant shows within a second).
     */
    private void certificate(JsonLine g, String certificateId) {
        if (certificateId != null && certificateId == servedCertificate && served.replay(g)) {
            return;
        }
        int mark = served.mark(g);
        if (on(Field.TENANT)) {
            string(g, Field.TENANT, certificateId == null ? null : tenantOf.apply(certificateId));
        }
        string(g, Field.CERTIFICATE, certificateId);
        if (certificateId != null) {
            served.keep(g, mark);
            servedCertificate = certificateId;
        }
    }

    private boolean on(Field f) {
        return on[f.ordinal()];
    }

    /** {@code "ts":"2026-12-01T09:30:00.123Z"}: the part up to the seconds is formatted once per second. */
    private void timestamp(JsonLine g, long epochMillis) {
        if (!on(Field.TS)) {
            return;
        }
        if (cachedPrefix == null) { // a new second (see begin)
            cachedPrefix = ('"' + TS.format(Instant.ofEpochSecond(cachedSecond)))
                    .getBytes(StandardCharsets.US_ASCII);
        }
        g.name(KEYS[Field.TS.ordinal()]);
        g.raw(cachedPrefix);
        g.digits3((int) Math.floorMod(epochMillis, 1000));
        g.put('Z');
        g.put('"');
    }

    private void client(JsonLine g, InetSocketAddress client) {
        InetAddress address = client == null ? null : client.getAddress();
        if (on(Field.CLIENT)) {
            g.name(KEYS[Field.CLIENT.ordinal()]);
            if (address == null) {
                g.nullValue();
            } else if (address instanceof Inet4Address) {
                g.ipv4(address.getAddress());
            } else {
                g.string(address.getHostAddress());
            }
        }
        if (on(Field.CLIENT_PORT)) {
            g.name(KEYS[Field.CLIENT_PORT.ordinal()]);
            if (client == null) {
                g.nullValue();
            } else {
                g.number(client.getPort());
            }
        }
    }

    private void tls(JsonLine g, String version, String cipher, String group, boolean resumed) {
        if (!on(Field.TLS)) {
            return;
        }
        if (version == null) {
            g.name(KEYS[Field.TLS.ordinal()]);
            g.nullValue();
            return;
        }
        if (lastTls != null && resumed == lastResumed && same(version, lastValue[SLOT_VERSION])
                && same(cipher, lastValue[SLOT_CIPHER]) && same(group, lastValue[SLOT_GROUP])) {
            g.field(lastTls);
            return;
        }
        int from = g.fieldStart();
        g.raw(KEYS[Field.TLS.ordinal()]);
        g.beginNested();
        g.name(VERSION);
        g.string(version);
        g.name(CIPHER);
        g.string(cipher);
        g.name(GROUP);
        g.string(group);
        g.name(RESUMED);
        g.bool(resumed);
        g.endObject(false);
        lastTls = g.copyFrom(from);
        lastResumed = resumed;
        lastValue[SLOT_VERSION] = version;
        lastValue[SLOT_CIPHER] = cipher;
        lastValue[SLOT_GROUP] = group;
    }

    private static boolean same(String a, String b) {
        return a == b || a != null && a.equals(b);
    }

    /**
     * Writes a string field through a two-entry cache per field: most values of a line are equal to
     * the line before's on the same thread (the SNI and Host of busy names, the certificate id, the
     * pool, the node) or take turns with one other (HTTP/1.1 and HTTP/2, GET and POST), and replaying
     * the field's bytes (name and escaped value) is cheaper than escaping it again. The request id
     * differs on every line and is never cached (a miss costs a copy).
     */
    private void string(JsonLine g, Field f, String value) {
        if (!on(f)) {
            return;
        }
        int slot = f.ordinal();
        if (value != null) {
            String last = lastValue[slot];
            if (value == last || value.equals(last)) {
                g.field(lastBytes[slot]);
                return;
            }
            String older = olderValue[slot];
            if (value == older || value.equals(older)) {
                g.field(olderBytes[slot]);
                return;
            }
        }
        int from = g.fieldStart();
        g.raw(KEYS[slot]);
        g.string(value);
        if (value != null && f != Field.REQUEST_ID) {
            olderValue[slot] = lastValue[slot];
            olderBytes[slot] = lastBytes[slot];
            lastValue[slot] = value;
            lastBytes[slot] = g.copyFrom(from);
        }
    }

    private void number(JsonLine g, Field f, long value) {
        if (on(f)) {
            g.name(KEYS[f.ordinal()]);
            g.number(value);
        }
    }

    /** Nanoseconds as milliseconds with three decimals (microsecond resolution); -1 stays -1. */
    private void millis(JsonLine g, Field f, long nanos) {
        if (on(f)) {
            g.name(KEYS[f.ordinal()]);
            g.millis(nanos);
        }
    }

    /**
     * A run of consecutive fields as last written, to replay in one copy. It starts either with the
     * object's first field or with a comma, and is replayed only at a point of the same kind (the same
     * run may follow other fields in a request line than in a handshake line).
     */
    private static final class Run {
        private byte[] bytes;
        private boolean opensObject;
        private boolean markedOpening;

        /** Where the run starts in {@code g}, before its fields are written. */
        int mark(JsonLine g) {
            markedOpening = g.atFirstField();
            return g.length();
        }

        /** Keeps the bytes written since {@code mark}. */
        void keep(JsonLine g, int mark) {
            bytes = g.copyFrom(mark);
            opensObject = markedOpening;
        }

        /** Writes the kept run if it fits here; false (nothing written) when there is none or it does not. */
        boolean replay(JsonLine g) {
            if (bytes == null || g.atFirstField() != opensObject) {
                return false;
            }
            g.replay(bytes);
            return true;
        }
    }
}
