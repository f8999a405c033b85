package dev.gatehouse.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LifecycleTest {

    private final List<String> journal = new ArrayList<>();

    /** A part that writes {@code start name} and, when closed, {@code close name} to the journal. */
    private Lifecycle.Starter<AutoCloseable> part(String name) {
        return () -> {
            journal.add("start " + name);
            return () -> journal.add("close " + name);
        };
    }

    @Test
    void closesInTheReverseOfStartOrder() throws Exception {
        Lifecycle parts = new Lifecycle("node");
        for (String name : List.of("keys", "store", "engine", "console")) {
            parts.start(name, part(name));
        }
        assertThat(parts.started()).containsExactly("keys", "store", "engine", "console");

        assertThat(parts.closeAll()).isEmpty();

        assertThat(journal).containsExactly("start keys", "start store", "start engine", "start console",
                "close console", "close engine", "close store", "close keys");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void aFailedStartClosesThePartsBeforeItInReverseAndNamesThePart(int k) throws Exception {
        Lifecycle parts = new Lifecycle("node");
        List<String> expected = new ArrayList<>();
        for (int i = 1; i < k; i++) {
            parts.start("p" + i, part("p" + i));
            expected.add("start p" + i);
        }
        IOException cause = new IOException("cluster.keyFile: /x does not exist");

        PartStartException e = catchThrowableOfType(PartStartException.class, () -> parts.start("p" + k, () -> {
            throw cause;
        }));

        assertThat(e).as("start of p%d fails", k).isNotNull();
        assertThat(e.part()).isEqualTo("p" + k);
        assertThat(e).hasMessage("start failed in part p" + k + ": cluster.keyFile: /x does not exist")
                .hasCause(cause);
        for (int i = k - 1; i >= 1; i--) {
            expected.add("close p" + i);
        }
        assertThat(journal).containsExactlyElementsOf(expected);
        assertThat(parts.started()).isEmpty();
        assertThat(parts.closeAll()).as("nothing is closed twice").isEmpty();
        assertThat(journal).containsExactlyElementsOf(expected);
    }

    @Test
    void aCloseThatThrowsDoesNotStopTheOthersAndIsReported() throws Exception {
        Lifecycle parts = new Lifecycle("node");
        parts.start("keys", part("keys"));
        IllegalStateException boom = new IllegalStateException("grid events did not drain");
        parts.start("cluster", () -> () -> {
            journal.add("close cluster");
            throw boom;
        });
        parts.start("console", part("console"));

        List<Lifecycle.CloseFailure> failed = parts.closeAll();

        assertThat(journal).containsExactly("start keys", "start console", "close console", "close cluster",
                "close keys");
        assertThat(failed).containsExactly(new Lifecycle.CloseFailure("cluster", boom));
    }

    @Test
    void aCloseThatFailsWhileAStartFailsIsKeptAsSuppressed() throws Exception {
        Lifecycle parts = new Lifecycle("node");
        IOException lockRelease = new IOException("lock release failed");
        parts.start("keys", () -> () -> {
            throw lockRelease;
        });

        PartStartException e = catchThrowableOfType(PartStartException.class, () -> parts.start("store", () -> {
            throw new IOException("disk full");
        }));

        assertThat(e.part()).isEqualTo("store");
        assertThat(e.getSuppressed()).containsExactly(lockRelease);
    }

    @Test
    void aPartThatIsOffIsListedAndClosesNothing() throws Exception {
        Lifecycle parts = new Lifecycle("node");
        parts.start("store", part("store"));
        assertThat(parts.<AutoCloseable>start("ha", () -> null)).isNull();
        parts.start("console", part("console"));

        assertThat(parts.started()).containsExactly("store", "ha", "console");
        assertThat(parts.closeAll()).isEmpty();
        assertThat(journal).containsExactly("start store", "start console", "close console", "close store");
    }

    @Test
    void aFailureInsideAPartsOwnLifecycleNamesBothParts() throws Exception {
        Lifecycle node = new Lifecycle("node");
        node.start("store", part("store"));

        PartStartException e = catchThrowableOfType(PartStartException.class, () -> node.start("ha", () -> {
            Lifecycle ha = new Lifecycle("ha");
            ha.start("controller", part("controller"));
            ha.start("membership", () -> {
                throw new IOException("cluster.membership.secretFile: /s does not exist");
            });
            return ha::close;
        }));

        assertThat(e.part()).isEqualTo("ha/membership");
        assertThat(e).hasMessage("start failed in part ha/membership: cluster.membership.secretFile: /s does not exist")
                .hasCauseInstanceOf(IOException.class);
        assertThat(journal).containsExactly("start store", "start controller", "close controller", "close store");
    }

    @Test
    void aPartsOwnLifecycleReportsItsFailedClosesAsOne() throws Exception {
        Lifecycle ha = new Lifecycle("ha");
        ha.start("controller", part("controller"));
        ha.start("membership", () -> () -> {
            throw new IOException("channel close failed");
        });
        ha.start("vips", part("vips"));

        PartCloseException e = catchThrowableOfType(PartCloseException.class, ha::close);

        assertThat(e).hasMessageContaining("close failed in ha: membership (java.io.IOException: channel close failed)");
        assertThat(journal).containsExactly("start controller", "start vips", "close vips", "close controller");
    }

    @Test
    void anErrorInAStartIsRethrownAfterTheCloses() throws Exception {
        Lifecycle parts = new Lifecycle("node");
        parts.start("keys", part("keys"));
        UnsatisfiedLinkError link = new UnsatisfiedLinkError("libc");

        UnsatisfiedLinkError e = catchThrowableOfType(UnsatisfiedLinkError.class, () -> parts.start("ha", () -> {
            throw link;
        }));

        assertThat(e).isSameAs(link);
        assertThat(journal).containsExactly("start keys", "close keys");
    }
}
