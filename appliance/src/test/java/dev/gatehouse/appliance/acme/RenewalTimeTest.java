package dev.gatehouse.appliance.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cluster.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The renewal-time rule with a moved clock: the CA's ARI window first, else the lifetime rule. */
class RenewalTimeTest {

    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final Instant ISSUED = Instant.parse("2026-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(ISSUED);
    private final SplittableRandom random = new SplittableRandom(7);

    private long nb() {
        return ISSUED.toEpochMilli();
    }

    @Test
    void picksARandomInstantInsideTheAriWindowAndSpreadsThem() {
        RenewalTime.Window w = new RenewalTime.Window(nb() + 60 * DAY, nb() + 62 * DAY);
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 200; i++) {
            RenewalTime.Decision d = RenewalTime.decide(nb(), nb() + 90 * DAY, null, w, clock.millis(), random);
            assertThat(d.rule()).isEqualTo("ari");
            assertThat(d.at()).isBetween(w.start(), w.end() - 1);
            min = Math.min(min, d.at());
            max = Math.max(max, d.at());
        }
        // not all at the window's start: spread over most of it
        assertThat(max - min).isGreaterThan(DAY);
    }

    @Test
    void aWindowAlreadyOpenIsUsedFromNowAndAPassedOneRenewsAtOnce() {
        RenewalTime.Window w = new RenewalTime.Window(nb() + 10 * DAY, nb() + 12 * DAY);
        clock.advance(Duration.ofDays(11));
        for (int i = 0; i < 50; i++) {
            long at = RenewalTime.decide(nb(), nb() + 90 * DAY, null, w, clock.millis(), random).at();
            assertThat(at).isBetween(clock.millis(), w.end() - 1);
        }
        clock.advance(Duration.ofDays(2));
        RenewalTime.Decision overdue = RenewalTime.decide(nb(), nb() + 90 * DAY, null, w, clock.millis(), random);
        assertThat(overdue.rule()).isEqualTo("ari-overdue");
        assertThat(overdue.at()).isEqualTo(clock.millis());
    }

    @Test
    void aWindowPastTheExpiryFallsBackToTheLifetimeRule() {
        RenewalTime.Window w = new RenewalTime.Window(nb() + 95 * DAY, nb() + 96 * DAY);
        RenewalTime.Decision d = RenewalTime.decide(nb(), nb() + 90 * DAY, null, w, clock.millis(), random);
        assertThat(d.rule()).isEqualTo("lifetime");
        assertThat(d.at()).isEqualTo(nb() + 60 * DAY);
    }

    @Test
    void withoutAriRenewsAtTwoThirdsOrRenewBeforeTheExpiry() {
        assertThat(RenewalTime.decide(nb(), nb() + 90 * DAY, null, null, clock.millis(), random))
                .isEqualTo(new RenewalTime.Decision(nb() + 60 * DAY, "lifetime"));
        assertThat(RenewalTime.decide(nb(), nb() + 90 * DAY, Duration.ofDays(14), null, clock.millis(), random).at())
                .isEqualTo(nb() + 76 * DAY);
        assertThat(RenewalTime.Window.of(ISSUED, ISSUED)).as("an empty window is no window").isNull();
    }

    @Test
    void aShortLivedCertificateIsRenewedWithAtLeastAThirdOfItsLifeLeft() {
        long sixDays = 6 * DAY;
        // renewBefore 1d would leave a sixth of the life: clamped to two thirds (2 days left)
        long at = RenewalTime.decide(nb(), nb() + sixDays, Duration.ofDays(1), null, clock.millis(), random).at();
        assertThat(nb() + sixDays - at).isGreaterThanOrEqualTo(sixDays / 3);
        assertThat(at).isEqualTo(nb() + 4 * DAY);
        // a renewBefore that leaves more than a third is kept
        assertThat(RenewalTime.decide(nb(), nb() + sixDays, Duration.ofDays(3), null, clock.millis(), random).at())
                .isEqualTo(nb() + 3 * DAY);
        // a 90-day certificate keeps the operator's short renewBefore
        assertThat(RenewalTime.decide(nb(), nb() + 90 * DAY, Duration.ofDays(1), null, clock.millis(), random).at())
                .isEqualTo(nb() + 89 * DAY);
        // moved past the renewal time: the scheduler finds it due
        clock.advance(Duration.ofDays(4));
        assertThat(at).isLessThanOrEqualTo(clock.millis());
    }
}
