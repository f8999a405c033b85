package dev.gatehouse.appliance.acme;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ManagedCertificatesTest {

    private static final long DAY = Duration.ofDays(1).toMillis();

    @Test
    void renewsAtTwoThirdsOfTheLifetimeUnlessAShorterWindowIsConfigured() {
        assertThat(ManagedCertificates.renewAt(0, 90 * DAY, null)).isEqualTo(60 * DAY);
        assertThat(ManagedCertificates.renewAt(0, 90 * DAY, Duration.ofDays(14))).isEqualTo(76 * DAY);
        // a window longer than the certificate lives would renew at once, forever: two thirds instead
        assertThat(ManagedCertificates.renewAt(0, 45_000, Duration.ofDays(30))).isEqualTo(30_000);
    }

    @Test
    void backsOffExponentiallyAndHonoursALaterRetryAfter() {
        Duration first = Duration.ofMinutes(1);
        Duration max = Duration.ofHours(6);
        long now = 1_000_000;
        assertThat(ManagedCertificates.nextAttempt(now, 1, null, first, max)).isEqualTo(now + 60_000);
        assertThat(ManagedCertificates.nextAttempt(now, 3, null, first, max)).isEqualTo(now + 240_000);
        assertThat(ManagedCertificates.nextAttempt(now, 20, null, first, max)).isEqualTo(now + Duration.ofHours(6).toMillis());
        Instant later = Instant.ofEpochMilli(now + Duration.ofHours(3).toMillis());
        assertThat(ManagedCertificates.nextAttempt(now, 1, later, first, max)).isEqualTo(later.toEpochMilli());
        Instant sooner = Instant.ofEpochMilli(now + 1000);
        assertThat(ManagedCertificates.nextAttempt(now, 1, sooner, first, max)).isEqualTo(now + 60_000);
    }
}
