package dev.gatehouse.appliance.console;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gatehouse.appliance.auth.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/**
 * {@code Idempotency-Key} on POSTs: a retried request with the same key and the same body gets
 * the first answer again (with {@code Idempotent-Replayed: true}) and does not act twice; the same
 * key with another body is refused with 422 {@code idempotency-key-reused}.
 *
 * <p>Keys are remembered per token (one tenant's key can never replay another's answer), on the
 * node that received them, in memory, for {@link #TTL} and at most {@link #MAX_KEYS} keys. Not in
 * the replicated store on purpose: some first answers carry a secret shown once (a new token, a
 * webhook's signing secret), and the store and its backups hold no secret in clear. A retry that
 * lands on another node is therefore not recognised; clients retry against the same console
 * address. Only successes are remembered: a refusal changed nothing, so retrying it is safe.
 * Concurrent requests with one key are serialised, so the second waits and replays the first.
 */
final class Idempotency {

    static final String HEADER = "idempotency-key";
    static final Duration TTL = Duration.ofHours(24);
    static final int MAX_KEYS = 10_000;
    static final int MAX_KEY_LENGTH = 255;

    @FunctionalInterface
    interface Action {
        ApiResponse run() throws Exception;
    }

    /** One key's state; its monitor serialises requests that share the key. Fields guarded by it. */
    private static final class Entry {
        private final String fingerprint;
        private final String request;
        private ApiResponse answer;

        Entry(String fingerprint, String request) {
            this.fingerprint = fingerprint;
            this.request = request;
        }
    }

    private final Cache<String, Entry> keys;

    Idempotency() {
        this(TTL, MAX_KEYS);
    }

    Idempotency(Duration ttl, int maxKeys) {
        this.keys = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maxKeys).build();
    }

    /** Runs {@code action} once per (token, key); without a key it simply runs it. */
    ApiResponse run(ApiRequest r, Principal who, Action action) throws Exception {
        String key = r.header(HEADER);
        if (key == null || who == null) {
            return action.run();
        }
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw ApiException.badRequest("invalid-field", "Idempotency-Key", "Idempotency-Key: '"
                    + (key.length() > 40 ? key.substring(0, 40) + "…" : key) + "' (expected: 1-" + MAX_KEY_LENGTH
                    + " visible ASCII characters, e.g. a UUID)");
        }
        String request = r.method() + " " + r.path();
        String fingerprint = fingerprint(r);
        String slot = who.tokenId() + "\n" + key;
        while (true) {
            Entry entry = keys.asMap().computeIfAbsent(slot, k -> new Entry(fingerprint, request));
            synchronized (entry) {
                if (keys.asMap().get(slot) != entry) {
                    continue; // the request we waited for failed and gave the key up: start over
                }
                if (!entry.fingerprint.equals(fingerprint)) {
                    throw new ApiException(422, "idempotency-key-reused", "Unprocessable content", "Idempotency-Key: '"
                            + key + "' was first used for " + entry.request + " with another body; this " + request
                            + " differs (expected: the same request again, or a new key)", "Idempotency-Key",
                            Map.of("firstRequest", entry.request));
                }
                if (entry.answer != null) {
                    return entry.answer.withHeader("Idempotent-Replayed", "true");
                }
                ApiResponse answer;
                try {
                    answer = action.run();
                } catch (Exception | Error e) {
                    keys.asMap().remove(slot, entry);
                    throw e;
                }
                if (answer.status() >= 200 && answer.status() < 300) {
                    entry.answer = answer;
                } else {
                    keys.asMap().remove(slot, entry);
                }
                return answer;
            }
        }
    }

    /** Method, path, query and body: what makes a retry the same request. */
    private static String fingerprint(ApiRequest r) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((r.method() + " " + r.path() + "?" + new java.util.TreeMap<>(r.query()) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            if (r.body() != null) {
                d.update(r.body());
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing", e);
        }
    }
}
