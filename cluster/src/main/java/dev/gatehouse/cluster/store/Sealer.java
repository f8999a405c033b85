package dev.gatehouse.cluster.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets with AES-256-GCM (NIST SP 800-38D): random 96-bit nonce per value, 128-bit tag, and
 * associated data that binds the secret to the record holding it. Several keys may be loaded for
 * rotation; the first seals, any opens (the key id travels with each value).
 */
public final class Sealer {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** One cipher per thread, initialised anew for every value: looking one up each time showed in a join's profile. */
    private static final ThreadLocal<Cipher> GCM = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    });

    private final String sealingKeyId;
    private final Map<String, SecretKeySpec> keys;

    private Sealer(Map<String, SecretKeySpec> keys) {
        this.keys = Map.copyOf(keys);
        this.sealingKeyId = keys.keySet().iterator().next();
    }

    /** A sealer over raw 32-byte keys; the first one seals. */
    public static Sealer of(byte[]... rawKeys) {
        Map<String, SecretKeySpec> map = new LinkedHashMap<>();
        for (byte[] raw : rawKeys) {
            if (raw.length != 32) {
                throw new IllegalArgumentException("key: " + raw.length + " bytes (expected: 32 for AES-256)");
            }
            map.put(keyId(raw), new SecretKeySpec(raw, "AES"));
        }
        if (map.isEmpty()) {
            throw new IllegalArgumentException("keys: none (expected: at least one)");
        }
        return new Sealer(map);
    }

    /**
     * Reads the 32-byte key file, creating it (mode 0600, from SecureRandom) when it does not exist.
     * A file of the wrong size is refused rather than silently replaced.
     */
    public static byte[] loadOrCreateKeyFile(Path file) throws IOException {
        if (Files.exists(file)) {
            byte[] raw = Files.readAllBytes(file);
            if (raw.length != 32) {
                throw new IOException(file + ": " + raw.length + " bytes (expected: 32 random bytes of an AES-256 key)");
            }
            return raw;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, raw, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        AtomicFiles.move(tmp, file);
        return raw;
    }

    /** Short, non-secret identifier of a key: the first 8 bytes of SHA-256("gatehouse key id" || key). */
    static String keyId(byte[] raw) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update("gatehouse key id".getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(d.digest(raw), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The ids of every key this sealer opens with (the sealing one among them). */
    public java.util.Set<String> keyIds() {
        return keys.keySet();
    }

    public String sealingKeyId() {
        return sealingKeyId;
    }

    public SealedValue seal(byte[] plaintext, String associatedData) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher c = GCM.get();
            c.init(Cipher.ENCRYPT_MODE, keys.get(sealingKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            return SealedValue.of(sealingKeyId, nonce, c.doFinal(plaintext));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    public byte[] open(SealedValue sealed, String associatedData) throws SealException {
        SecretKeySpec key = keys.get(sealed.keyId());
        if (key == null) {
            throw new SealException(sealed.keyId(), "sealed with unknown key " + sealed.keyId(), null);
        }
        try {
            Cipher c = GCM.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed.nonceBytes()));
            c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(sealed.ciphertextBytes());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new SealException(sealed.keyId(), "does not open (tampered, or bound to another record)", e);
        }
    }

    /** True when the value was sealed with a key other than the current sealing key (re-seal it). */
    public boolean needsReseal(SealedValue sealed) {
        return !sealingKeyId.equals(sealed.keyId());
    }
}
