package dev.gatehouse.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StoreClockTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"8d, PT192H", "-2h, PT-2H", "90m, PT1H30M", "15s, PT15S", "250ms, PT0.25S"})
    void readsTheDebugOffset(String text, Duration expected) {
        assertThat(StoreClock.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"eight days", "8", "1w"})
    void refusesAnOffsetItCannotRead(String text) {
        assertThatThrownBy(() -> StoreClock.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gatehouse.debug.storeClockOffset=" + text)
                .hasMessageContaining("expected: a duration such as 8d");
    }
}
