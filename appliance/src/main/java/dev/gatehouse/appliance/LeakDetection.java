package dev.gatehouse.appliance;

import io.netty.util.ResourceLeakDetector;
import java.util.Optional;
import java.util.Properties;

/**
 * Netty's resource-leak detector in a Gatehouse process: off, unless the JVM is started with one of
 * Netty's own level properties ({@code -Dio.netty.leakDetection.level=simple|advanced|paranoid}),
 * which then stands as Netty reads it.
 *
 * <p>Netty's default level, {@code SIMPLE}, samples one buffer in 128 and builds a stack trace (a
 * {@code Throwable}) when a sampled buffer is allocated and another when it is released. A
 * keep-alive request allocates several buffers (socket read, TLS unwrap and wrap, the encoded
 * response), so a node built about one stack trace for every 12 requests: 97% of the throwables
 * JFR counted under keep-alive h1 and h2 load, and {@code fill_in_stack_trace} at 1.2% of the event
 * loop in perf (docs/benchmarks.md, "Leak detection off in production"). Tests keep the detector
 * at {@code PARANOID} (the root pom's {@code test.jvm.args}); the nodes the ITs start keep
 * {@code SIMPLE} ({@code it.node.jvm} in appliance/pom.xml); an operator chasing a leak sets the
 * property in {@code GATEHOUSE_JAVA_OPTS}.
 */
final class LeakDetection {

    /** Netty's level property. */
    static final String LEVEL = "io.netty.leakDetection.level";
    /** The older name Netty still reads when {@link #LEVEL} is absent. */
    static final String LEGACY_LEVEL = "io.netty.leakDetectionLevel";

    private LeakDetection() {
    }

    /** Sets the process's level from the system properties (see the class comment). */
    static void apply() {
        level(System.getProperties()).ifPresent(ResourceLeakDetector::setLevel);
    }

    /** {@code DISABLED} when {@code properties} name no level; empty (keep Netty's reading) when they do. */
    static Optional<ResourceLeakDetector.Level> level(Properties properties) {
        if (properties.getProperty(LEVEL) != null || properties.getProperty(LEGACY_LEVEL) != null) {
            return Optional.empty();
        }
        return Optional.of(ResourceLeakDetector.Level.DISABLED);
    }
}
