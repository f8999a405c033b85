package dev.gatehouse.tls.testing;

import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TestEdge} for a whole test class: started before its first test with the certificates
 * {@code serve} gives it, closed after its last.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestEdgeExtension EDGE = new TestEdgeExtension(edge -> edge.serveEc("a", "a.test"));
 * }</pre>
 */
public final class TestEdgeExtension implements BeforeAllCallback, AfterAllCallback {

    private final Consumer<TestEdge> serve;
    private TestEdge edge;

    /** An edge with the default settings that serves what {@code serve} puts in its registry. */
    public TestEdgeExtension(Consumer<TestEdge> serve) {
        this.serve = serve;
    }

    /** The running edge (between the class's first and last test). */
    public TestEdge edge() {
        return edge;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        edge = new TestEdge();
        try {
            serve.accept(edge);
        } catch (RuntimeException e) {
            edge.close();
            throw e;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        edge.close();
    }
}
