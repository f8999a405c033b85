package dev.gatehouse.cluster.grid;

import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.SealedValue;
import dev.gatehouse.cluster.store.Sealer;
import java.nio.charset.StandardCharsets;

/**
 * What a grid map holds for one object: {@code v1|<revision>|<tombstone>|<keyId>|<nonce>|<ciphertext>}.
 * The object's JSON is sealed with the cluster key under associated data that binds the map, the
 * key, the revision and the tombstone flag, so a member without the cluster key can neither read
 * an entry nor write one that other nodes accept. The revision stays in clear so that the
 * split-brain merge policy can order entries without the key.
 *
 * @param json the record's JSON, or null for a tombstone
 */
public record GridValue(long revision, boolean tombstone, String json) {

    private static final String VERSION = "v1";

    public static String encode(Sealer sealer, String map, String key, long revision, String json) {
        boolean tombstone = json == null;
        SealedValue s = sealer.seal((tombstone ? "" : json).getBytes(StandardCharsets.UTF_8),
                aad(map, key, revision, tombstone));
        return VERSION + "|" + revision + "|" + (tombstone ? 1 : 0) + "|" + s.keyId() + "|" + s.nonce() + "|"
                + s.ciphertext();
    }

    /** Opens an encoded value; refuses anything not sealed by a key we hold for exactly this map and key. */
    public static GridValue decode(Sealer sealer, String map, String key, String encoded) throws SealException {
        String[] f = encoded == null ? new String[0] : encoded.split("\\|", -1);
        if (f.length != 6 || !VERSION.equals(f[0])) {
            throw new SealException("?", "malformed grid value", null);
        }
        long revision;
        try {
            revision = Long.parseLong(f[1]);
        } catch (NumberFormatException e) {
            throw new SealException(f[3], "malformed revision", e);
        }
        boolean tombstone = "1".equals(f[2]);
        byte[] plain = sealer.open(new SealedValue(f[3], f[4], f[5]), aad(map, key, revision, tombstone));
        return new GridValue(revision, tombstone, tombstone ? null : new String(plain, StandardCharsets.UTF_8));
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

    private static String aad(String map, String key, long revision, boolean tombstone) {
        return "gatehouse/grid/v1|" + map + "|" + key + "|" + revision + "|" + tombstone;
    }
}
