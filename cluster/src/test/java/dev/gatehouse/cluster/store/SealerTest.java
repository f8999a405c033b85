package dev.gatehouse.cluster.store;

import static dev.gatehouse.cluster.testing.TestKeys.filled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealerTest {

    @Test
    void opensWhatItSealedUnderTheSameAssociatedData() throws Exception {
        Sealer s = Sealer.of(filled(1));
        SealedValue v = s.seal("secret".getBytes(StandardCharsets.UTF_8), "id=1|rev=2");
        assertThat(new String(s.open(v, "id=1|rev=2"), StandardCharsets.UTF_8)).isEqualTo("secret");
        assertThat(v.toString()).doesNotContain(v.ciphertext());
    }

    @Test
    void refusesOtherAssociatedDataTamperingAndUnknownKeys() {
        Sealer s = Sealer.of(filled(1));
        SealedValue v = s.seal("secret".getBytes(StandardCharsets.UTF_8), "id=1|rev=2");
        assertThatThrownBy(() -> s.open(v, "id=1|rev=3")).isInstanceOf(SealException.class);
        byte[] ct = Base64.getDecoder().decode(v.ciphertext());
        ct[0] ^= 1;
        SealedValue tampered = new SealedValue(v.keyId(), v.nonce(), Base64.getEncoder().encodeToString(ct));
        assertThatThrownBy(() -> s.open(tampered, "id=1|rev=2")).isInstanceOf(SealException.class);
        assertThatThrownBy(() -> Sealer.of(filled(2)).open(v, "id=1|rev=2"))
                .isInstanceOfSatisfying(SealException.class, e -> assertThat(e.keyId()).isEqualTo(v.keyId()));
    }

    @Test
    void rotationSealsWithTheFirstKeyAndOpensWithAny() throws Exception {
        Sealer old = Sealer.of(filled(1));
        SealedValue v = old.seal(new byte[] {7}, "a");
        Sealer rotated = Sealer.of(filled(2), filled(1));
        assertThat(rotated.open(v, "a")).containsExactly(7);
        assertThat(rotated.needsReseal(v)).isTrue();
        assertThat(rotated.needsReseal(rotated.seal(new byte[] {7}, "a"))).isFalse();
    }

    @Test
    void createsKeyFileOnceWithOwnerOnlyPermissionsAndRefusesAWrongSize(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sub/master.key");
        byte[] first = Sealer.loadOrCreateKeyFile(f);
        assertThat(Sealer.loadOrCreateKeyFile(f)).isEqualTo(first);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        Files.write(f, new byte[5]);
        assertThatThrownBy(() -> Sealer.loadOrCreateKeyFile(f)).hasMessageContaining("5 bytes (expected: 32");
    }
}
