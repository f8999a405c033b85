package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuthThrottleTest {

    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final AuthThrottle throttle = new AuthThrottle(10, Duration.ofSeconds(10), 1000, (Ticker) nanos::get);

    private void advance(long millis) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void allowsABurstOfFailuresThenThrottlesUntilOneFailureIsForgiven() {
        for (int i = 0; i < 9; i++) {
            assertThat(throttle.failed("10.0.0.1")).isFalse();
            assertThat(throttle.retryAfterMillis("10.0.0.1")).isZero();
        }
        assertThat(throttle.failed("10.0.0.1")).as("the 10th empties the bucket").isTrue();
        assertThat(throttle.retryAfterMillis("10.0.0.1")).isEqualTo(1000);
        advance(400);
        assertThat(throttle.retryAfterMillis("10.0.0.1")).isEqualTo(600);
        advance(600);
        assertThat(throttle.retryAfterMillis("10.0.0.1")).isZero();
        assertThat(throttle.failed("10.0.0.1")).isTrue();
        assertThat(throttle.retryAfterMillis("10.0.0.1")).isEqualTo(1000);
    }

    @Test
    void forgivesTheWholeBurstAfterTheWindow() {
        for (int i = 0; i < 10; i++) {
            throttle.failed("10.0.0.1");
        }
        advance(10_000);
        for (int i = 0; i < 9; i++) {
            assertThat(throttle.failed("10.0.0.1")).isFalse();
        }
        assertThat(throttle.retryAfterMillis("10.0.0.1")).isZero();
    }

    @Test
    void checkingConsumesNothingAndAddressesAreIndependent() {
        for (int i = 0; i < 100; i++) {
            assertThat(throttle.retryAfterMillis("10.0.0.1")).isZero();
        }
        for (int i = 0; i < 10; i++) {
            throttle.failed("10.0.0.1");
        }
        assertThat(throttle.retryAfterMillis("10.0.0.1")).isPositive();
        assertThat(throttle.retryAfterMillis("10.0.0.2")).isZero();
    }

    @ParameterizedTest
    @CsvSource({
        "192.0.2.7,                 192.0.2.7",
        "2001:db8:1:2:aaaa::1,      20010db800010002::/64",
        "2001:db8:1:2:bbbb::9,      20010db800010002::/64",
        "::1,                       0:0:0:0:0:0:0:1",
    })
    void keysIpv4ByAddressAndIpv6ByItsSlash64(String address, String key) throws Exception {
        assertThat(AuthThrottle.key(InetAddress.getByName(address))).isEqualTo(key);
    }
}
