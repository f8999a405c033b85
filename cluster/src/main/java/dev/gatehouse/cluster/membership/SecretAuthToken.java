package dev.gatehouse.cluster.membership;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.auth.AuthToken;
import org.jgroups.util.Util;

/**
 * JGroups {@code AUTH} token proving knowledge of the cluster secret without sending it: an
 * HMAC-SHA256, under a key derived from the secret, over the sender's address, the time of
 * sending and a random nonce. {@code AUTH} attaches it to join and merge requests (and the
 * coordinator's answers); a receiver recomputes it for the message's source address, so a token
 * captured from one member cannot be replayed under another address, and a token older than
 * {@link #MAX_AGE} is refused.
 *
 * <p>Public with a public no-argument constructor only because JGroups instantiates tokens it
 * reads off the wire by reflection; such tokens carry no key and only hold received values.
 */
public final class SecretAuthToken extends AuthToken {

    /** How far a token's timestamp may be from the receiver's clock (covers clock skew). */
    static final Duration MAX_AGE = Duration.ofSeconds(60);

    private static final byte[] LABEL = "gatehouse jgroups auth v1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_BYTES = 16;
    private static final int MAC_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;
    private long sentAt;
    private final byte[] nonce = new byte[NONCE_BYTES];
    private final byte[] mac = new byte[MAC_BYTES];

    /** For JGroups: a token about to be read from the wire. */
    public SecretAuthToken() {
        this.key = null;
    }

    SecretAuthToken(byte[] key) {
        this.key = key.clone();
    }

    @Override
    public String getName() {
        return "gatehouse-secret";
    }

    @Override
    public int size() {
        return Long.BYTES + NONCE_BYTES + MAC_BYTES;
    }

    @Override
    public boolean authenticate(AuthToken token, Message msg) {
        if (token == this && key != null) {
            return true; // a request this node sent itself (a merge leader does): never left the JVM
        }
        if (key == null || !(token instanceof SecretAuthToken other) || msg.getSrc() == null) {
            return false;
        }
        long age = Math.abs(System.currentTimeMillis() - other.sentAt);
        if (age > MAX_AGE.toMillis()) {
            log.warn("AUTH token from %s is %d ms away from this clock (expected: <= %d ms)", msg.getSrc(), age,
                    MAX_AGE.toMillis());
            return false;
        }
        return MessageDigest.isEqual(other.mac, sign(key, msg.getSrc(), other.sentAt, other.nonce));
    }

    /** Signs afresh each time the header is serialized, for this node's own address. */
    @Override
    public void writeTo(DataOutput out) throws IOException {
        if (key == null) {
            throw new IOException("a received AUTH token cannot be sent on");
        }
        Address self = auth == null ? null : auth.getAddress();
        if (self == null) {
            throw new IOException("AUTH token: no local address yet");
        }
        long now = System.currentTimeMillis();
        byte[] freshNonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(freshNonce);
        out.writeLong(now);
        out.write(freshNonce);
        out.write(sign(key, self, now, freshNonce));
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        sentAt = in.readLong();
        in.readFully(nonce);
        in.readFully(mac);
    }

    static byte[] sign(byte[] key, Address sender, long sentAt, byte[] nonce) {
        byte[] address;
        try {
            address = Util.streamableToByteBuffer(sender);
        } catch (IOException e) {
            throw new IllegalStateException("cannot marshal " + sender, e);
        }
        return ClusterKeys.hmac(key, LABEL, address, ByteBuffer.allocate(Long.BYTES).putLong(sentAt).array(), nonce);
    }

    @Override
    public String toString() {
        return "SecretAuthToken";
    }
}
