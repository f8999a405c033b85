package dev.gatehouse.cluster.store;

import java.util.Objects;

/**
 * An API token: only its SHA-256 hash is stored (tokens carry 256 random bits, so a fast hash is
 * enough; the hash never leaves the store through the API).
 *
 * @param scope     {@code admin} or {@code tenant:<id>}
 * @param expiresAt epoch milliseconds after which the token is refused like a revoked one; 0 = never
 */
public record TokenRecord(String id, String hash, String scope, String description, long createdAt, boolean revoked,
        long revision, long expiresAt) {

    public TokenRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(scope, "scope");
    }

    public TokenRecord revoke(long rev) {
        return new TokenRecord(id, hash, scope, description, createdAt, true, rev, expiresAt);
    }

    /** Whether the token is past its expiry at {@code nowMillis}. */
    public boolean expired(long nowMillis) {
        return expiresAt > 0 && nowMillis >= expiresAt;
    }

    @Override
    public String toString() {
        return "TokenRecord[id=" + id + ", scope=" + scope + ", revoked=" + revoked + "]";
    }
}
