package dev.gatehouse.appliance.ocsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OcspRefreshTest {

    private static final long M = Duration.ofMinutes(1).toMillis();

    @ParameterizedTest(name = "fetched at {0}min, valid {1}..{2}min: refresh at {3}min")
    @CsvSource({
        // a fresh response: half-way through its validity
        "0, 0, 1440, 720",
        // fetched late (thisUpdate in the past): half-way through the validity, not half-way from now
        "360, 0, 1440, 720",
        // past the half-way point already (a responder that pre-signs): not sooner than minRefresh from now
        "1200, 0, 1440, 1201",
        // a very short validity (2 minutes): minRefresh wins
        "0, 0, 2, 1",
    })
    void refreshesHalfWayThroughTheValidityButNotInALoop(long fetched, long thisUpdate, long nextUpdate,
            long expected) {
        assertThat(OcspRefresh.afterSuccess(fetched * M, thisUpdate * M, nextUpdate * M, Duration.ofMinutes(1)))
                .isEqualTo(expected * M);
    }

    @ParameterizedTest(name = "failure {0}: retry after {1}s")
    @CsvSource({"1, 60", "2, 120", "3, 240", "7, 3600", "40, 3600"})
    void backsOffExponentiallyUpToTheCap(int failures, long seconds) {
        assertThat(OcspRefresh.afterFailure(0, failures, Duration.ofMinutes(1), Duration.ofHours(1), 0))
                .isEqualTo(seconds * 1000);
    }

    @ParameterizedTest(name = "failure {0} with a staple until {1}min: retry at {2}min")
    @CsvSource({
        // the back-off (60 min) would run past the held response's nextUpdate: one last try before it expires
        "7, 30, 29",
        // the back-off ends before: it stands
        "1, 30, 1",
        // already within the last retry step of the expiry: the back-off stands
        "1, 1, 1",
    })
    void triesOnceMoreBeforeAHeldStapleExpires(int failures, long nextUpdateMin, long expectedMin) {
        assertThat(OcspRefresh.afterFailure(0, failures, Duration.ofMinutes(1), Duration.ofHours(1),
                nextUpdateMin * M)).isEqualTo(expectedMin * M);
    }
}
