package dev.gatehouse.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import org.jgroups.Address;
import org.jgroups.EmptyMessage;
import org.jgroups.protocols.AUTH;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

/** The AUTH token: accepted only from a holder of the secret, for the address it was made for. */
class SecretAuthTokenTest {

    private static final byte[] SECRET = "gatehouse test cluster secret #1".getBytes(StandardCharsets.UTF_8);
    private final Address joiner = UUID.randomUUID();

    @Test
    void acceptsATokenMadeWithTheSameSecretForTheSender() throws Exception {
        assertThat(verifier(SECRET).authenticate(wire(SECRET, joiner), new EmptyMessage().setSrc(joiner))).isTrue();
    }

    @Test
    void refusesATokenMadeWithAnotherSecret() throws Exception {
        byte[] other = "a guess that is not the secret!!".getBytes(StandardCharsets.UTF_8);
        assertThat(verifier(SECRET).authenticate(wire(other, joiner), new EmptyMessage().setSrc(joiner))).isFalse();
    }

    @Test
    void refusesATokenReplayedFromAnotherAddress() throws Exception {
        Address replayer = UUID.randomUUID();
        assertThat(verifier(SECRET).authenticate(wire(SECRET, joiner), new EmptyMessage().setSrc(replayer))).isFalse();
    }

    @Test
    void refusesAStaleToken() throws Exception {
        byte[] key = ClusterKeys.derive(SECRET).authentication();
        long old = System.currentTimeMillis() - SecretAuthToken.MAX_AGE.toMillis() - 1_000;
        byte[] nonce = new byte[16];
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeLong(old);
        out.write(nonce);
        out.write(SecretAuthToken.sign(key, joiner, old, nonce));
        SecretAuthToken stale = new SecretAuthToken();
        stale.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(verifier(SECRET).authenticate(stale, new EmptyMessage().setSrc(joiner))).isFalse();
    }

    private static SecretAuthToken verifier(byte[] secret) {
        return new SecretAuthToken(ClusterKeys.derive(secret).authentication());
    }

    /** A token as {@code sender} would put it on the wire, read back as the receiver sees it. */
    private static SecretAuthToken wire(byte[] secret, Address sender) throws Exception {
        SecretAuthToken token = new SecretAuthToken(ClusterKeys.derive(secret).authentication());
        token.setAuth(new AUTH().setAddress(sender));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        token.writeTo(new DataOutputStream(bytes));
        assertThat(bytes.size()).isEqualTo(token.size());
        SecretAuthToken received = new SecretAuthToken();
        received.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        return received;
    }
}
