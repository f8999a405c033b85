package dev.gatehouse.appliance.accesslog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that JSON objects are written into, one per physical line, 7-bit clean.
 * Hand-written instead of Jackson's generator because the access log formats one line per request
 * on a core the event loop shares: Jackson with {@code ESCAPE_NON_ASCII} took the slow escaping path
 * for every string and a {@code BigDecimal} per duration, about half of the writer thread's time and
 * most of the access log's cost in {@code bench/observability-overhead.sh}.
 *
 * <p>Strings are escaped as JSON requires and more: {@code "} and {@code \}, every control character
 * ({@code \n}, {@code \r}, {@code \t}, {@code \b}, {@code \f} short, the rest and DEL as
 * {@code \\u00XX}), every non-ASCII character as {@code \\uXXXX} (a surrogate pair as two), and an
 * unpaired surrogate as {@code \\uFFFD}. So no value a client sends can end the line or forge a
 * field, and the file is plain ASCII. Not thread-safe.
 */
final class JsonLine {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

    private byte[] buf;
    private int len;
    private int lines;
    private boolean first;

    JsonLine(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    /** The field name as written before a value: {@code "name":} (names are ASCII identifiers). */
    static byte[] key(String name) {
        return ('"' + name + "\":").getBytes(StandardCharsets.US_ASCII);
    }

    byte[] array() {
        return buf;
    }

    int length() {
        return len;
    }

    /** Lines ended since the last {@link #clear()} (objects ended with a newline). */
    int lines() {
        return lines;
    }

    /** Drops everything from {@code mark} on (a line that failed half-way). */
    void truncate(int mark) {
        len = mark;
    }

    void clear() {
        len = 0;
        lines = 0;
    }

    /** Forgets a buffer that grew past {@code max} bytes, so one huge batch leaves no huge array behind. */
    void shrinkTo(int max) {
        if (buf.length > max) {
            buf = new byte[max];
        }
        len = 0;
        lines = 0;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    void beginObject() {
        put('{');
        first = true;
    }

    /** Ends the object (and with {@code newline} the line). */
    void endObject(boolean newline) {
        put('}');
        if (newline) {
            put('\n');
            lines++;
        }
        first = false;
    }

    /** Writes the separator and a pre-encoded {@link #key}. */
    void name(byte[] key) {
        fieldStart();
        put(key);
    }

    /**
     * A whole field, {@code "name":value} as written before (see {@link #fieldStart()}): the comma
     * when it is not the object's first, then the bytes.
     */
    void field(byte[] nameAndValue) {
        fieldStart();
        put(nameAndValue);
    }

    /**
     * Writes the comma a field needs when it is not the object's first and returns the position its
     * name starts at: what the caller copies out after writing name and value, to replay them with
     * {@link #field(byte[])}.
     */
    int fieldStart() {
        if (!first) {
            put(',');
        }
        first = false;
        return len;
    }

    /** Whether the next field is the current object's first (no comma before it). */
    boolean atFirstField() {
        return first;
    }

    /**
     * Fields written before, as copied with {@link #copyFrom} from where {@link #atFirstField()} was
     * the same as now: commas included, nothing added.
     */
    void replay(byte[] fields) {
        put(fields);
        if (fields.length > 0) {
            first = false;
        }
    }

    /** The bytes from {@code from} to the end, a copy. */
    byte[] copyFrom(int from) {
        return Arrays.copyOfRange(buf, from, len);
    }

    /** Starts a nested object as the value of the field just named. */
    void beginNested() {
        put('{');
        first = true;
    }

    void nullValue() {
        put(NULL);
    }

    void bool(boolean b) {
        put(b ? TRUE : FALSE);
    }

    void number(long v) {
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                put(Long.toString(v));
                return;
            }
            put('-');
            v = -v;
        }
        if (v > Integer.MAX_VALUE) {
            number(v / 1_000_000_000L); // the rare long: its high part, then nine digits in int arithmetic
            digits((int) (v % 1_000_000_000L), 9);
            return;
        }
        int x = (int) v;
        int n = 1;
        for (int rest = x; rest >= 10; rest /= 10) {
            n++;
        }
        digits(x, n);
    }

    /**
     * The last {@code n} decimal digits of {@code x >= 0}, zero-padded; in int arithmetic (a multiply
     * per digit, not a long division).
     */
    private void digits(int x, int n) {
        ensure(n);
        int end = len + n;
        len = end;
        for (int i = 0; i < n; i++) {
            int q = x / 10;
            buf[--end] = (byte) ('0' + (x - q * 10));
            x = q;
        }
    }

    /** {@code nanos} as milliseconds with three decimals ({@code 12.345}); a negative value as {@code -1}. */
    void millis(long nanos) {
        if (nanos < 0) {
            number(-1);
            return;
        }
        long micros = nanos / 1000;
        number(micros / 1000);
        put('.');
        digits((int) (micros % 1000), 3);
    }

    /** A quoted, escaped string, or {@code null}. */
    void string(String s) {
        if (s == null) {
            nullValue();
            return;
        }
        put('"');
        chars(s);
        put('"');
    }

    /** {@code head}, {@code separator} and {@code tail} as one quoted, escaped string (no string built). */
    void string(String head, char separator, String tail) {
        put('"');
        chars(head);
        put(separator);
        chars(tail);
        put('"');
    }

    /**
     * The chars of {@code s}, escaped. The common value (a request id, a name, a path) needs no escape:
     * it is copied in a loop over locals with room made once; the first char that needs one hands the
     * rest to {@link #escaping}.
     */
    private void chars(String s) {
        int n = s.length();
        ensure(n);
        byte[] b = buf;
        int at = len;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                len = at;
                escaping(s, i);
                return;
            }
            b[at++] = (byte) c;
        }
        len = at;
    }

    /** The chars of {@code s} from {@code from} on, escaped, each checked for room (an escape takes up to 12 bytes). */
    private void escaping(String s, int from) {
        int n = s.length();
        for (int i = from; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                if (len == buf.length) {
                    ensure(n - i);
                }
                buf[len++] = (byte) c;
            } else {
                i = escape(s, i, c);
            }
        }
    }

    /** Writes the escape of {@code c} at index {@code i}; returns the index of the last char consumed. */
    private int escape(String s, int i, char c) {
        switch (c) {
            case '"' -> put2('\\', '"');
            case '\\' -> put2('\\', '\\');
            case '\n' -> put2('\\', 'n');
            case '\r' -> put2('\\', 'r');
            case '\t' -> put2('\\', 't');
            case '\b' -> put2('\\', 'b');
            case '\f' -> put2('\\', 'f');
            default -> {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    unicode(c);
                    unicode(s.charAt(i + 1));
                    return i + 1;
                }
                unicode(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return i;
    }

    private void unicode(char c) {
        ensure(6);
        buf[len++] = '\\';
        buf[len++] = 'u';
        buf[len++] = HEX[(c >> 12) & 0xf];
        buf[len++] = HEX[(c >> 8) & 0xf];
        buf[len++] = HEX[(c >> 4) & 0xf];
        buf[len++] = HEX[c & 0xf];
    }

    /** Raw ASCII that needs no escaping (a cached timestamp prefix, an address). */
    void raw(byte[] ascii) {
        put(ascii);
    }

    /** The 4 octets of an IPv4 address in dotted form, quoted. */
    void ipv4(byte[] octets) {
        put('"');
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                put('.');
            }
            number(octets[i] & 0xff);
        }
        put('"');
    }

    /** Three digits, zero-padded (the milliseconds of a timestamp). */
    void digits3(int v) {
        digits(v, 3);
    }

    void put(char c) {
        ensure(1);
        buf[len++] = (byte) c;
    }

    private void put2(char a, char b) {
        ensure(2);
        buf[len++] = (byte) a;
        buf[len++] = (byte) b;
    }

    private void put(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    private void put(String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            put(ascii.charAt(i));
        }
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
