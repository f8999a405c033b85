package dev.gatehouse.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LeakDetectionTest {

    @Test
    void disablesTheDetectorWhenNoLevelIsGiven() {
        Properties properties = new Properties();
        properties.setProperty("io.netty.leakDetection.targetRecords", "8");

        assertThat(LeakDetection.level(properties)).contains(ResourceLeakDetector.Level.DISABLED);
    }

    @ParameterizedTest
    @CsvSource({
        "io.netty.leakDetection.level, paranoid",
        "io.netty.leakDetection.level, simple",
        "io.netty.leakDetection.level, disabled",
        "io.netty.leakDetectionLevel,  advanced",
    })
    void leavesAnExplicitLevelToNetty(String property, String value) {
        Properties properties = new Properties();
        properties.setProperty(property, value);

        assertThat(LeakDetection.level(properties)).isEmpty();
    }

    @Test
    void keepsTheLevelThisTestJvmIsStartedWith() {
        // the root pom starts every test JVM with -Dio.netty.leakDetection.level=PARANOID
        assertThat(System.getProperty(LeakDetection.LEVEL)).isEqualToIgnoringCase("paranoid");

        LeakDetection.apply();

        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }
}
