package dev.gatehouse.appliance.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM that tests start the packaged jar with: the running JDK's {@code java} and the options of
 * {@code -Dgatehouse.it.nodeJvm} (failsafe sets it from the {@code it.node.jvm} property of
 * appliance/pom.xml). A node or CLI run that lives for seconds spends most of its CPU in the C2
 * compiler; C1 only, one compiler thread and the serial collector cut 40–50 % (docs/benchmarks.md,
 * "CI suite: JVM options of the processes the ITs start"). Unset (a harness run outside failsafe,
 * such as bench/cluster-bench.sh, which measures the node's RSS and CPU): no options, the JVM's
 * defaults, as in production.
 */
public final class TestJvm {

    /** The system property failsafe passes {@code it.node.jvm} in. */
    public static final String PROPERTY = "gatehouse.it.nodeJvm";

    private TestJvm() {
    }

    /** The options from {@value #PROPERTY}, split on white space; empty when unset or blank. */
    public static List<String> options() {
        String value = System.getProperty(PROPERTY, "").trim();
        return value.isEmpty() ? List.of() : Arrays.asList(value.split("\\s+"));
    }

    /** The {@code java} launcher of the JDK running the test. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A new, modifiable command line to add to: {@link #java()}, then {@link #options()}. */
    public static List<String> launcher() {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(options());
        return cmd;
    }
}
