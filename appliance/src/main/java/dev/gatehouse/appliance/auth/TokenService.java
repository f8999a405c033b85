package dev.gatehouse.appliance.auth;

import dev.gatehouse.appliance.core.ServiceContext;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.AtomicFiles;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.TokenRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens: {@code ghk_<id>_<secret>} with 256 random bits of secret. Only a SHA-256 hash is
 * stored; verification looks the record up by id and compares hashes in constant time. A token is
 * shown once, when created.
 */
public final class TokenService {

    private static final Logger log = LoggerFactory.getLogger(TokenService.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "ghk_";

    private final Store store;
    private final Clock clock;
    /** Last successful authentication per token id, as seen by this node (console worker threads). */
    private final Map<String, Long> lastUsed = new ConcurrentHashMap<>();

    public TokenService(ServiceContext context) {
        this.store = context.store();
        this.clock = context.clock();
    }

    /**
     * Creates a token for {@code scope} ({@code admin} or {@code tenant:<id>} of an existing tenant),
     * valid until {@code expiresAt} (null = never) or for {@code ttl} (null = never); at most one of them.
     */
    public Issued create(Principal who, String scope, String description, Duration ttl, Instant expiresAt)
            throws ServiceException, StoreException {
        who.requireAdmin();
        if (scope == null || !(scope.equals(Principal.ADMIN) || scope.startsWith(Principal.TENANT_PREFIX))) {
            throw ServiceException.invalid("invalid-field", "scope", "scope: '" + scope
                    + "' (expected: admin or tenant:<id>)");
        }
        if (scope.startsWith(Principal.TENANT_PREFIX)
                && store.tenant(scope.substring(Principal.TENANT_PREFIX.length())).isEmpty()) {
            throw ServiceException.invalid("invalid-field", "scope", "scope: tenant '"
                    + scope.substring(Principal.TENANT_PREFIX.length()) + "' does not exist");
        }
        if (ttl != null && expiresAt != null) {
            throw ServiceException.invalid("invalid-field", "ttl", "ttl and expiresAt: both given (expected: at most "
                    + "one of them)");
        }
        long now = clock.millis();
        long expiry = 0;
        if (ttl != null) {
            if (ttl.isNegative() || ttl.isZero()) {
                throw ServiceException.invalid("invalid-field", "ttl", "ttl: " + ttl + " (expected: a positive duration)");
            }
            expiry = now + ttl.toMillis();
        } else if (expiresAt != null) {
            if (expiresAt.toEpochMilli() <= now) {
                throw ServiceException.invalid("invalid-field", "expiresAt", "expiresAt: " + expiresAt
                        + " (expected: a time in the future)");
            }
            expiry = expiresAt.toEpochMilli();
        }
        return create(scope, description, expiry);
    }

    /** Every token, oldest first (admin only). */
    public java.util.List<TokenRecord> list(Principal who) throws ServiceException {
        who.requireAdmin();
        return store.records(RecordKinds.TOKENS).stream().sorted(java.util.Comparator.comparing(TokenRecord::createdAt)).toList();
    }

    /** When this node last authenticated token {@code id}, or null. */
    public Instant lastUsedAt(String id) {
        Long at = lastUsed.get(id);
        return at == null ? null : Instant.ofEpochMilli(at);
    }

    /** A new token's record and its one-time secret form. */
    public record Issued(TokenRecord record, String token) {
    }

    public Issued create(String scope, String description) throws StoreException {
        return create(scope, description, 0);
    }

    private Issued create(String scope, String description, long expiresAt) throws StoreException {
        byte[] idBytes = new byte[6];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(idBytes);
        RANDOM.nextBytes(secret);
        String id = HexFormat.of().formatHex(idBytes);
        String token = PREFIX + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        TokenRecord record = new TokenRecord(id, hash(token), scope, description == null ? "" : description,
                clock.millis(), false, store.nextRevision(), expiresAt);
        store.put(RecordKinds.TOKENS, record);
        return new Issued(record, token);
    }

    public boolean revoke(String id) throws StoreException {
        Optional<TokenRecord> t = store.record(RecordKinds.TOKENS, id);
        if (t.isEmpty() || t.get().revoked()) {
            return false;
        }
        store.put(RecordKinds.TOKENS, t.get().revoke(store.nextRevision()));
        return true;
    }

    /** Resolves an {@code Authorization} header value; refused for a missing, malformed, unknown, revoked or expired token. */
    public Principal authenticate(String authorization) throws ServiceException {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("missing bearer token (send Authorization: Bearer ghk_...)");
        }
        String token = authorization.substring(7).trim();
        int sep = token.indexOf('_', PREFIX.length());
        if (!token.startsWith(PREFIX) || sep < 0) {
            throw unauthorized("malformed token");
        }
        String id = token.substring(PREFIX.length(), sep);
        Optional<TokenRecord> record = store.record(RecordKinds.TOKENS, id);
        byte[] presented = hash(token).getBytes(StandardCharsets.US_ASCII);
        // compare even when the id is unknown, so timing does not tell ids apart
        byte[] expected = record.map(r -> r.hash().getBytes(StandardCharsets.US_ASCII)).orElse(new byte[presented.length]);
        boolean match = MessageDigest.isEqual(presented, expected);
        if (record.isEmpty() || !match) {
            throw unauthorized("unknown token");
        }
        if (record.get().revoked()) {
            throw unauthorized("token " + id + " was revoked");
        }
        long now = clock.millis();
        if (record.get().expired(now)) {
            throw unauthorized("token " + id + " expired at " + Instant.ofEpochMilli(record.get().expiresAt()));
        }
        lastUsed.put(id, now);
        return new Principal(id, record.get().scope());
    }

    /**
     * On first start (no admin token in the store), creates one and writes it to {@code file}
     * (mode 0600). Returns true when a token was created.
     */
    public boolean bootstrapAdmin(Path file) throws StoreException, IOException {
        long now = clock.millis();
        boolean hasAdmin = store.records(RecordKinds.TOKENS).stream()
                .anyMatch(t -> !t.revoked() && !t.expired(now) && Principal.ADMIN.equals(t.scope()));
        if (hasAdmin) {
            return false;
        }
        Issued admin = create(Principal.ADMIN, "created on first start");
        AtomicFiles.write(file, (admin.token() + "\n").getBytes(StandardCharsets.US_ASCII));
        log.warn("event=admin_token_created token_id={} file={} (readable by this user only; move it to a vault)",
                admin.record().id(), file);
        return true;
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ServiceException unauthorized(String detail) {
        return ServiceException.unauthenticated(detail);
    }
}
