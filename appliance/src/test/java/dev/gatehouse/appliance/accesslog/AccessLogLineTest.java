package dev.gatehouse.appliance.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.tls.observe.RequestRecord;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccessLogLineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final AccessLogLine line = new AccessLogLine("edge-1", List.of(), false,
            Map.of("crt_a", "tenant-a")::get);

    private static JsonNode parse(byte[] bytes) throws Exception {
        String s = new String(bytes, StandardCharsets.UTF_8);
        assertThat(s).endsWith("\n");
        assertThat(s.indexOf('\n')).as("one physical line").isEqualTo(s.length() - 1);
        for (byte b : bytes) {
            assertThat(b & 0xff).as("7-bit clean").isLessThan(0x80);
        }
        return JSON.readTree(s);
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void writesEveryFieldOfARequestInOrder() throws Exception {
        JsonNode n = parse(line.format(Records.request("app.tenant-a.test", "/a/b", "token=secret", "rid1")));
        assertThat(names(n)).containsExactly("ts", "type", "node", "client", "clientPort", "sni", "host", "tenant",
                "certificate", "pool", "server", "method", "path", "protocol", "status", "bytesIn", "bytesOut",
                "handshakeMs", "connectMs", "ttfbMs", "totalMs", "tls", "requestId", "cause", "upstreamError");
        assertThat(n.get("ts").asText()).isEqualTo("2026-12-01T09:30:00.123Z");
        assertThat(n.get("type").asText()).isEqualTo("request");
        assertThat(n.get("node").asText()).isEqualTo("edge-1");
        assertThat(n.get("client").asText()).isEqualTo("192.0.2.7");
        assertThat(n.get("clientPort").asInt()).isEqualTo(51234);
        assertThat(n.get("sni").asText()).isEqualTo("app.tenant-a.test");
        assertThat(n.get("host").asText()).isEqualTo("app.tenant-a.test");
        assertThat(n.get("tenant").asText()).isEqualTo("tenant-a");
        assertThat(n.get("certificate").asText()).isEqualTo("crt_a");
        assertThat(n.get("pool").asText()).isEqualTo("app");
        assertThat(n.get("server").asText()).isEqualTo("10.0.0.5:8080");
        assertThat(n.get("method").asText()).isEqualTo("GET");
        assertThat(n.get("path").asText()).as("query left out by default").isEqualTo("/a/b");
        assertThat(n.get("protocol").asText()).isEqualTo("HTTP/2");
        assertThat(n.get("status").asInt()).isEqualTo(200);
        assertThat(n.get("bytesIn").asLong()).isEqualTo(12);
        assertThat(n.get("bytesOut").asLong()).isEqualTo(3456);
        assertThat(n.get("handshakeMs").decimalValue()).isEqualByComparingTo("2.345");
        assertThat(n.get("connectMs").decimalValue()).isEqualByComparingTo("0.456");
        assertThat(n.get("ttfbMs").decimalValue()).isEqualByComparingTo("10.111");
        assertThat(n.get("totalMs").decimalValue()).isEqualByComparingTo("12.345");
        assertThat(n.get("tls").get("version").asText()).isEqualTo("TLSv1.3");
        assertThat(n.get("tls").get("cipher").asText()).isEqualTo("TLS_AES_128_GCM_SHA256");
        assertThat(n.get("tls").get("group").asText()).isEqualTo("X25519");
        assertThat(n.get("tls").get("resumed").asBoolean()).isFalse();
        assertThat(n.get("requestId").asText()).isEqualTo("rid1");
        assertThat(n.get("cause").isNull()).isTrue();
        assertThat(n.get("upstreamError").isNull()).isTrue();
    }

    @Test
    void writesOwnAnswersWithNullsAndMinusOne() throws Exception {
        RequestRecord r = new RequestRecord(Records.START, null, null, null, null, null, null, "GET", "/", "HTTP/1.1",
                421, 0, 90, -1, -1, -1, 1_000, null, null, null, false, null, "misdirected", null, null);
        JsonNode n = parse(line.format(r));
        assertThat(n.get("client").isNull()).isTrue();
        assertThat(n.get("clientPort").isNull()).isTrue();
        assertThat(n.get("tenant").isNull()).isTrue();
        assertThat(n.get("handshakeMs").asInt()).isEqualTo(-1);
        assertThat(n.get("connectMs").asInt()).isEqualTo(-1);
        assertThat(n.get("ttfbMs").asInt()).isEqualTo(-1);
        assertThat(n.get("totalMs").decimalValue()).isEqualByComparingTo("0.001");
        assertThat(n.get("tls").isNull()).isTrue();
        assertThat(n.get("status").asInt()).isEqualTo(421);
        assertThat(n.get("cause").asText()).isEqualTo("misdirected");
    }

    @Test
    void keepsTheQueryWhenAskedTo() throws Exception {
        AccessLogLine withQuery = new AccessLogLine("edge-1", List.of(), true, id -> null);
        assertThat(parse(withQuery.format(Records.request("h", "/a", "x=1&y=2", "r"))).get("path").asText())
                .isEqualTo("/a?x=1&y=2");
        assertThat(parse(withQuery.format(Records.request("h", "/a", null, "r"))).get("path").asText())
                .isEqualTo("/a");
    }

    @Test
    void writesOnlyTheConfiguredFieldsInCanonicalOrder() throws Exception {
        AccessLogLine some = new AccessLogLine("edge-1", List.of("status", "ts", "tls", "host"), false, id -> null);
        JsonNode n = parse(some.format(Records.request("rid")));
        assertThat(names(n)).containsExactly("ts", "host", "status", "tls");
    }

    @Test
    void writesARefusedHandshakeWithItsReasonAsCause() throws Exception {
        JsonNode n = parse(line.format(Records.refused("unknown.example")));
        assertThat(names(n)).containsExactly("ts", "type", "node", "client", "clientPort", "sni", "tenant",
                "certificate", "handshakeMs", "tls", "cause");
        assertThat(n.get("type").asText()).isEqualTo("handshake");
        assertThat(n.get("sni").asText()).isEqualTo("unknown.example");
        assertThat(n.get("client").asText()).isEqualTo("192.0.2.8");
        assertThat(n.get("clientPort").asInt()).isEqualTo(40000);
        assertThat(n.get("cause").asText()).isEqualTo("unknown_sni");
        assertThat(n.get("handshakeMs").decimalValue()).isEqualByComparingTo("0.345");
        assertThat(n.get("tls").isNull()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "evil\"}\n{\"status\":200,\"x\":\"",           // a quote and a newline: try to end the line and forge one
        "a\rb\u0000c\u001b[31mred\u007fd\tz",           // CR, NUL, an ANSI escape, DEL, TAB
        "caf\u00c3\u00a9 \u00ff\u00fe\u0080",           // bytes of (in)valid UTF-8, decoded one byte per char by Netty
        "\u2028line\u2029sep \\ back\\slash",           // JavaScript line separators, backslashes
    })
    void escapesHostileHostAndPathIntoOneCleanLine(String hostile) throws Exception {
        JsonNode n = parse(line.format(Records.request(hostile, "/" + hostile, null, "r")));
        assertThat(n.get("host").asText()).isEqualTo(hostile);
        assertThat(n.get("path").asText()).isEqualTo("/" + hostile);
        assertThat(n.get("status").asInt()).isEqualTo(200);
        assertThat(n.has("x")).isFalse();
    }

    @Test
    void replacesUnpairedSurrogatesInsteadOfFailing() throws Exception {
        String bad = "a\ud800b\udc00c\ud83d\ude00d\ud83d";
        JsonNode n = parse(line.format(Records.request(bad, "/" + bad, null, "r")));
        assertThat(n.get("host").asText()).isEqualTo("a\ufffdb\ufffdc\ud83d\ude00d\ufffd");
    }

    @Test
    void writesIpv6Clients() throws Exception {
        RequestRecord r = Records.request("rid");
        RequestRecord v6 = new RequestRecord(r.startEpochMillis(), new InetSocketAddress("::1", 443), r.sni(), r.host(),
                r.certificateId(), r.pool(), r.server(), r.method(), r.path(), r.protocol(), r.status(), r.bytesIn(),
                r.bytesOut(), r.handshakeNanos(), r.connectNanos(), r.ttfbNanos(), r.totalNanos(), r.tlsVersion(),
                r.cipher(), r.group(), true, r.requestId(), r.cause(), r.upstreamError(), r.query());
        JsonNode n = parse(line.format(v6));
        assertThat(n.get("client").asText()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(n.get("tls").get("resumed").asBoolean()).isTrue();
    }

    /**
     * The hand-written writer against Jackson's parser as the oracle: random strings from every
     * character class (ASCII, controls, DEL, Latin-1, BMP, surrogate pairs, lone surrogates) come back
     * as sent, lone surrogates as U+FFFD; random durations come back with microsecond precision.
     */
    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 3L, 42L, 1234567L})
    void randomValuesRoundTripThroughAJsonParser(long seed) throws Exception {
        java.util.Random random = new java.util.Random(seed);
        char[] pool = {'a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001b', '\u007f',
            '\u0080', '\u00e9', '\u00ff', '\u2028', '\uffff', '\ud83d', '\ude00', '\ud800', '\udfff'};
        for (int i = 0; i < 500; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(40);
            for (int k = 0; k < n; k++) {
                sb.append(random.nextInt(3) == 0 ? (char) random.nextInt(0x10000) : pool[random.nextInt(pool.length)]);
            }
            String value = sb.toString();
            long nanos = random.nextInt(4) == 0 ? -random.nextInt(5) : (long) (random.nextDouble() * 1e12);
            RequestRecord r = Records.request(value, "/" + value, null, value);
            RequestRecord timed = new RequestRecord(r.startEpochMillis() + random.nextInt(100_000_000),
                    r.client(), r.sni(), r.host(), r.certificateId(), r.pool(), r.server(), r.method(), r.path(),
                    r.protocol(), r.status(), random.nextLong(), random.nextInt(), nanos, r.connectNanos(),
                    r.ttfbNanos(), r.totalNanos(), r.tlsVersion(), r.cipher(), r.group(), r.resumed(),
                    r.requestId(), r.cause(), r.upstreamError(), r.query());
            JsonNode node = parse(line.format(timed));
            String expected = wellFormed(value);
            assertThat(node.get("host").asText()).isEqualTo(expected);
            assertThat(node.get("path").asText()).isEqualTo("/" + expected);
            assertThat(node.get("requestId").asText()).isEqualTo(expected);
            assertThat(node.get("bytesIn").asLong()).isEqualTo(timed.bytesIn());
            assertThat(node.get("bytesOut").asLong()).isEqualTo(timed.bytesOut());
            assertThat(node.get("handshakeMs").decimalValue()).isEqualByComparingTo(
                    nanos < 0 ? java.math.BigDecimal.valueOf(-1) : java.math.BigDecimal.valueOf(nanos / 1000, 3));
            assertThat(node.get("ts").asText()).isEqualTo(java.time.format.DateTimeFormatter.ISO_INSTANT.format(
                    java.time.Instant.ofEpochMilli(timed.startEpochMillis()).plusNanos(0))
                    .replaceFirst("(\\.\\d{3})?Z$", "") + String.format(".%03dZ", timed.startEpochMillis() % 1000));
        }
    }

    /**
     * The per-field caches (a field equal to the last line's is replayed from its bytes, the TLS object
     * as a whole) never leak a value into the next line: one formatter writes a random sequence of
     * lines whose fields repeat (same instance, equal copies), change, turn null and come back, and
     * every line is byte for byte what a fresh formatter writes for the same record.
     */
    @ParameterizedTest
    @ValueSource(longs = {7L, 99L, 2024L, 4242L})
    void cachedFieldsAreByteForByteWhatAFreshFormatterWrites(long seed) {
        java.util.Random random = new java.util.Random(seed);
        boolean query = seed % 2 == 0; // the query kept in path (part of the route run's key) or left out
        AccessLogLine reused = new AccessLogLine("n1", List.of(), query, id -> id == null ? null : "t-" + id);
        String[] names = {"a.example", "b.example", "\u00e9.example", "q\"x"};
        String[] versions = {"TLSv1.3", "TLSv1.2", null};
        String[] ciphers = {"TLS_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"};
        String[] groups = {"X25519", null};
        for (int i = 0; i < 2_000; i++) {
            String sni = random.nextInt(5) == 0 ? null : new String(names[random.nextInt(names.length)]);
            String host = random.nextBoolean() ? sni : names[random.nextInt(names.length)];
            String cert = random.nextInt(4) == 0 ? null : "crt_" + random.nextInt(3);
            RequestRecord r = new RequestRecord(Records.START + random.nextInt(5_000),
                    // ports 64 apart share a per-connection head entry
                    new java.net.InetSocketAddress("192.0.2." + (1 + random.nextInt(3)),
                            1000 + 64 * random.nextInt(3) + random.nextInt(2)),
                    sni, host, cert, random.nextBoolean() ? "app" : null,
                    random.nextInt(4) == 0 ? null : "10.0.0." + (5 + random.nextInt(2)) + ":8080",
                    random.nextBoolean() ? "GET" : "POST", "/p" + random.nextInt(3),
                    random.nextBoolean() ? "HTTP/2" : "HTTP/1.1", 200, 1, 2, 3, 4, 5, 6,
                    versions[random.nextInt(versions.length)], ciphers[random.nextInt(ciphers.length)],
                    groups[random.nextInt(groups.length)], random.nextBoolean(), "rid-" + random.nextInt(2),
                    random.nextInt(3) == 0 ? "no_route" : null, random.nextInt(5) == 0 ? "connect refused" : null,
                    random.nextInt(3) == 0 ? "a=" + random.nextInt(2) : null);
            AccessLogLine fresh = new AccessLogLine("n1", List.of(), query, id -> id == null ? null : "t-" + id);
            assertThat(new String(reused.format(r), java.nio.charset.StandardCharsets.US_ASCII)).as("line %d", i)
                    .isEqualTo(new String(fresh.format(r), java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /** The oracle: {@code s} with every unpaired surrogate replaced by U+FFFD. */
    private static String wellFormed(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? '\ufffd' : c);
            }
        }
        return out.toString();
    }
}
