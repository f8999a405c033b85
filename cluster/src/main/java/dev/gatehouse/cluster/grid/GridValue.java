package dev.gatehouse.cluster.grid;

import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.SealedValue;
import dev.gatehouse.cluster.store.Sealer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * What a grid map holds for one object: {@code <format>|<revision>|<tombstone>|<keyId>|<nonce>|<ciphertext>}.
 * The object's JSON is sealed with the cluster key under associated data that binds the format, the
 * map, the key, the revision and the tombstone flag, so a member without the cluster key can neither
 * read an entry nor write one that other nodes accept. The revision stays in clear so that the
 * split-brain merge policy can order entries without the key.
 *
 * <p>Two formats, with the same clear fields in the same places (so that the merge policy, the
 * revision guard and the anti-entropy projection of either release read both): {@link Format#V1}
 * seals the JSON as it is; {@link Format#V2} seals it deflated, about a quarter smaller for a
 * certificate (the grid holds a copy of every record on two members). A node writes V2 only while
 * every member of the grid says it reads V2 ({@link GridFormats}).
 *
 * @param json the record's JSON, or null for a tombstone
 */
public record GridValue(long revision, boolean tombstone, String json) {

    /** The encodings of a grid value, by the prefix they are written with. */
    public enum Format {
        /** The record's JSON, sealed. */
        V1("v1"),
        /** The record's JSON deflated (RFC 1951, zlib-wrapped), then sealed; a tombstone's is empty. */
        V2("v2");

        private final String prefix;

        Format(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }

        static Format of(String prefix) {
            for (Format f : values()) {
                if (f.prefix.equals(prefix)) {
                    return f;
                }
            }
            return null;
        }
    }

    /** A record inflating to more than this is refused (the largest records are a few tens of kilobytes). */
    static final int MAX_INFLATED_BYTES = 4 << 20;
    /**
     * One of each per thread that writes or opens values (console workers, the grid's event thread, the
     * reconciler and the common pool it opens a catch-up on): a deflater holds ~256 KB of native zlib
     * state, an inflater ~40 KB, so they are reused rather than made per value.
     */
    private static final ThreadLocal<Deflater> DEFLATER = ThreadLocal.withInitial(Deflater::new);
    private static final ThreadLocal<Inflater> INFLATER = ThreadLocal.withInitial(Inflater::new);

    /** The value in the first format ({@link Format#V1}), which every release reads. */
    public static String encode(Sealer sealer, String map, String key, long revision, String json) {
        return encode(sealer, map, key, revision, json, Format.V1);
    }

    public static String encode(Sealer sealer, String map, String key, long revision, String json, Format format) {
        boolean tombstone = json == null;
        byte[] plain = tombstone ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        if (format == Format.V2 && !tombstone) {
            plain = deflate(plain);
        }
        SealedValue s = sealer.seal(plain, aad(format, map, key, revision, tombstone));
        return format.prefix + "|" + revision + "|" + (tombstone ? 1 : 0) + "|" + s.keyId() + "|" + s.nonce() + "|"
                + s.ciphertext();
    }

    /** Opens an encoded value; refuses anything not sealed by a key we hold for exactly this map and key. */
    public static GridValue decode(Sealer sealer, String map, String key, String encoded) throws SealException {
        String[] f = encoded == null ? new String[0] : encoded.split("\\|", -1);
        Format format = f.length == 6 ? Format.of(f[0]) : null;
        if (format == null) {
            throw new SealException("?", "malformed grid value", null);
        }
        long revision;
        try {
            revision = Long.parseLong(f[1]);
        } catch (NumberFormatException e) {
            throw new SealException(f[3], "malformed revision", e);
        }
        boolean tombstone = "1".equals(f[2]);
        SealedValue sealed;
        try {
            sealed = new SealedValue(f[3], f[4], f[5]);
        } catch (IllegalArgumentException e) {
            throw new SealException(f[3], "malformed grid value: " + e.getMessage(), e);
        }
        byte[] plain = sealer.open(sealed, aad(format, map, key, revision, tombstone));
        if (tombstone) {
            return new GridValue(revision, true, null);
        }
        if (format == Format.V2) {
            plain = inflate(plain, f[3]);
        }
        return new GridValue(revision, false, new String(plain, StandardCharsets.UTF_8));
    }

    /** The format an encoded value was written in, or null when it names none this release reads. */
    public static Format formatOf(String encoded) {
        int bar = encoded == null ? -1 : encoded.indexOf('|');
        return bar < 0 ? null : Format.of(encoded.substring(0, bar));
    }

    private static byte[] deflate(byte[] plain) {
        Deflater d = DEFLATER.get();
        d.reset();
        d.setInput(plain);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length / 2 + 64);
        byte[] buf = new byte[4096];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        return out.toByteArray();
    }

    /**
     * Inflates a sealed (so: written by a member holding the cluster key) value, still bounded: a bug or
     * a compromised member must not make every node allocate without limit.
     */
    private static byte[] inflate(byte[] deflated, String keyId) throws SealException {
        Inflater in = INFLATER.get();
        in.reset();
        in.setInput(deflated);
        ByteArrayOutputStream out = new ByteArrayOutputStream(deflated.length * 2 + 64);
        byte[] buf = new byte[8192];
        try {
            while (!in.finished()) {
                int n = in.inflate(buf);
                if (n == 0 && (in.needsInput() || in.needsDictionary())) {
                    throw new SealException(keyId, "v2 grid value: deflate stream ends early", null);
                }
                if (out.size() + n > MAX_INFLATED_BYTES) {
                    throw new SealException(keyId, "v2 grid value: inflates beyond " + MAX_INFLATED_BYTES + " bytes",
                            null);
                }
                out.write(buf, 0, n);
            }
            if (in.getRemaining() > 0) {
                throw new SealException(keyId, "v2 grid value: " + in.getRemaining() + " bytes after the deflate stream",
                        null);
            }
        } catch (DataFormatException e) {
            throw new SealException(keyId, "v2 grid value: not a deflate stream (" + e.getMessage() + ")", e);
        }
        return out.toByteArray();
    }

    /** The revision in clear, without opening (merge policy); -1 when unreadable. */
    public static long revisionOf(Object encoded) {
        if (!(encoded instanceof String s)) {
            return -1;
        }
        int a = s.indexOf('|');
        int b = a < 0 ? -1 : s.indexOf('|', a + 1);
        if (b < 0) {
            return -1;
        }
        try {
            return Long.parseLong(s.substring(a + 1, b));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The key id that sealed an encoded value (for background re-sealing), or "" when malformed. Reads
     * the fourth field in place: anti-entropy asks this of every entry on every pass, and splitting
     * would copy the whole ciphertext each time.
     */
    public static String keyIdOf(String encoded) {
        int from = 0;
        for (int i = 0; i < 3; i++) {
            from = encoded.indexOf('|', from) + 1;
            if (from == 0) {
                return "";
            }
        }
        int end = encoded.indexOf('|', from);
        int nonceEnd = end < 0 ? -1 : encoded.indexOf('|', end + 1);
        // exactly two more fields after the key id (nonce, ciphertext), as decode expects
        return nonceEnd < 0 || encoded.indexOf('|', nonceEnd + 1) >= 0 ? "" : encoded.substring(from, end);
    }

    /** The associated data a value is sealed under: V1's is what the first release wrote. */
    static String aad(Format format, String map, String key, long revision, boolean tombstone) {
        return "gatehouse/grid/" + format.prefix + "|" + map + "|" + key + "|" + revision + "|" + tombstone;
    }
}
