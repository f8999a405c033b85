package dev.gatehouse.appliance.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.testing.Services;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.testing.MutableClock;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenServiceTest {

    private static final Principal ADMIN = new Principal("a", Principal.ADMIN);
    @TempDir
    Path dir;

    @Test
    void anExpiredTokenIsRefusedLikeARevokedOneAndLastUseIsRecorded() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        try (Services s = new Services(dir, clock, List.of(new InetSocketAddress("127.0.0.1", 9)))) {
            s.tenants.create(ADMIN, "t", "T");
            TokenService.Issued issued = s.tokens.create(ADMIN, "tenant:t", "ci", Duration.ofHours(12), null);
            assertThat(issued.record().expiresAt()).isEqualTo(Instant.parse("2026-12-01T12:00:00Z").toEpochMilli());
            assertThat(s.tokens.lastUsedAt(issued.record().id())).isNull();
            assertThat(s.tokens.authenticate("Bearer " + issued.token()).tenant()).isEqualTo("t");
            assertThat(s.tokens.lastUsedAt(issued.record().id())).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
            clock.advance(Duration.ofHours(12));
            assertThatThrownBy(() -> s.tokens.authenticate("Bearer " + issued.token()))
                    .isInstanceOfSatisfying(ServiceException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ServiceException.Kind.UNAUTHENTICATED);
                        assertThat(e.getMessage()).contains("expired at 2026-12-01T12:00:00Z");
                    });
        }
    }

    @Test
    void expiryIsValidatedWithNamedFields() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        try (Services s = new Services(dir, clock, List.of(new InetSocketAddress("127.0.0.1", 9)))) {
            assertThatThrownBy(() -> s.tokens.create(ADMIN, "admin", null, Duration.ofDays(1),
                    Instant.parse("2027-01-01T00:00:00Z"))).isInstanceOfSatisfying(ServiceException.class,
                            e -> assertThat(e.field()).isEqualTo("ttl"));
            assertThatThrownBy(() -> s.tokens.create(ADMIN, "admin", null, null, Instant.parse("2026-11-30T00:00:00Z")))
                    .isInstanceOfSatisfying(ServiceException.class, e -> {
                        assertThat(e.field()).isEqualTo("expiresAt");
                        assertThat(e.getMessage()).contains("expected: a time in the future");
                    });
            assertThatThrownBy(() -> s.tokens.create(ADMIN, "tenant:nobody", null, null, null))
                    .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.field()).isEqualTo("scope"));
            assertThat(s.store.records(RecordKinds.TOKENS)).isEmpty();
        }
    }
}
